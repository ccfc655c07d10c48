from kycgate.compliance.dd.monitoring import handler

__all__ = ["handler"]
