from kycgate.lambda_entry import handler_for
from kycgate.reuse.opening_api import routes

handler = handler_for(routes, "create_reuse_kyc_session")
