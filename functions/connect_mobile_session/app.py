from kycgate.handoff.api import routes
from kycgate.lambda_entry import handler_for

handler = handler_for(routes, "connect_mobile_session")
