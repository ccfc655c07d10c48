from kycgate.gateway.api import routes
from kycgate.lambda_entry import handler_for

handler = handler_for(routes, "get_gateway_kyc_application")
