"""Local fakes of third-party services, each a real HTTP server on 127.0.0.1 (tests, ``make serve``).

Each fake lives in a module of its own; importing this package imports none of them.
"""
