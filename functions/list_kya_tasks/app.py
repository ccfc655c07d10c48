from kycgate.compliance.kya.api import routes
from kycgate.lambda_entry import handler_for

handler = handler_for(routes, "list_kya_tasks")
