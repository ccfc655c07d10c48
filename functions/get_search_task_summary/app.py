from kycgate.compliance.dd.api import routes
from kycgate.lambda_entry import handler_for

handler = handler_for(routes, "get_search_task_summary")
