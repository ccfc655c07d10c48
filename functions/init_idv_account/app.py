from kycgate.compliance.idv.api import routes
from kycgate.lambda_entry import handler_for

handler = handler_for(routes, "init_idv_account")
