from kycgate.lambda_entry import handler_for
from kycgate.pages.api import router

handler = handler_for(router, "reuse_kyc_page")
