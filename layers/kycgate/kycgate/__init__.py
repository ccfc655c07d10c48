"""kycgate: multi-tenant KYC and compliance backend."""

# First thing a function's import runs: in Lambda, init runs without the cyclic collector (core.coldstart).
from kycgate.core.coldstart import pause_collector_in_lambda

pause_collector_in_lambda()
