"""Local fakes of third-party providers: real HTTP servers on 127.0.0.1 that follow each provider's
documented request, response and error shapes, for contract tests and local runs.

Each fake serves only what it was given (no invented data) and can be told to fail the next
requests the way the real provider fails (status codes, rate limits, slow answers). Standard
library only, so it costs a deployment nothing but its files.
"""
