from kycgate.kyc.api import router
from kycgate.lambda_entry import handler_for

handler = handler_for(router, "list_customers")
