from kycgate.kyc.api import routes
from kycgate.lambda_entry import handler_for

handler = handler_for(routes, "get_kyc_overview")
