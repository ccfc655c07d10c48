from kycgate.lambda_entry import handler_for
from kycgate.levels.api import routes

handler = handler_for(routes, "send_kyc_application_to_review")
