from kycgate.lambda_entry import handler_for
from kycgate.pages.api import router

handler = handler_for(router, "get_page_asset")
