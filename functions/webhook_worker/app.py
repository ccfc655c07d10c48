from kycgate.webhooks.worker import handler

__all__ = ["handler"]
