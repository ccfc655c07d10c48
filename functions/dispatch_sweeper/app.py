from kycgate.gateway.sweeper import handler

__all__ = ["handler"]
