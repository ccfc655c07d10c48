from kycgate.lambda_entry import handler_for
from kycgate.webhooks.api import router

handler = handler_for(router, "get_webhook_delivery")
