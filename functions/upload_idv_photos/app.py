from kycgate.compliance.idv.api import routes
from kycgate.lambda_entry import handler_for

handler = handler_for(routes, "upload_idv_photos")
