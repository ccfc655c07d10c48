from kycgate.gateway.api import routes
from kycgate.lambda_entry import handler_for

handler = handler_for(routes, "receive_provider_webhook")
