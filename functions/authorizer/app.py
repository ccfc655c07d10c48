from kycgate.core.authorizer import handler

__all__ = ["handler"]
