from kycgate.kyc.api import routes
from kycgate.lambda_entry import handler_for

handler = handler_for(routes, "request_additional_documents")
