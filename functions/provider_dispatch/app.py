from kycgate.gateway.worker import handler

__all__ = ["handler"]
