from kycgate.lambda_entry import handler_for
from kycgate.reuse.api import routes

handler = handler_for(routes, "list_kyc_alerts")
