from kycgate.compliance.lists.refresh import handler

__all__ = ["handler"]
