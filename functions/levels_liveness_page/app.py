from kycgate.lambda_entry import handler_for
from kycgate.pages.api import routes

handler = handler_for(routes, "levels_liveness_page")
