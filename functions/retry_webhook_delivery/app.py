from kycgate.lambda_entry import handler_for
from kycgate.webhooks.api import router

handler = handler_for(router, "retry_webhook_delivery")
