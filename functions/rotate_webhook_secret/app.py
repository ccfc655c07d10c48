from kycgate.lambda_entry import handler_for
from kycgate.webhooks.api import routes

handler = handler_for(routes, "rotate_webhook_secret")
