from kycgate.lambda_entry import handler_for
from kycgate.levels.api import routes

handler = handler_for(routes, "update_kyc_application")
