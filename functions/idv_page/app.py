from kycgate.lambda_entry import handler_for
from kycgate.pages.api import routes

handler = handler_for(routes, "idv_page")
