from kycgate.webhooks.sweeper import handler

__all__ = ["handler"]
