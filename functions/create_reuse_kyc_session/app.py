from kycgate.lambda_entry import handler_for
from kycgate.reuse.api import routes

handler = handler_for(routes, "create_reuse_kyc_session")
