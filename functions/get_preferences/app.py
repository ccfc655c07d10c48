from kycgate.lambda_entry import handler_for
from kycgate.preferences.api import routes

handler = handler_for(routes, "get_preferences")
