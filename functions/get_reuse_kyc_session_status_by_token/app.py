from kycgate.lambda_entry import handler_for
from kycgate.reuse.api import router

handler = handler_for(router, "get_reuse_kyc_session_status_by_token")
