from kycgate.reuse.sweeper import handler

__all__ = ["handler"]
