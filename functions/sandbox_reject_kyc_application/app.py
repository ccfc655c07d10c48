from kycgate.lambda_entry import handler_for
from kycgate.levels.api import routes

handler = handler_for(routes, "sandbox_reject_kyc_application")
