from kycgate.compliance.kya.api import routes
from kycgate.lambda_entry import handler_for

handler = handler_for(routes, "create_kya_task")
