from kycgate.lambda_entry import handler_for
from kycgate.uploads.api import routes

handler = handler_for(routes, "create_upload")
