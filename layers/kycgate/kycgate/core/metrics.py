"""The one powertools Metrics (EMF) object: business counts flushed by each handler's decorator."""

from __future__ import annotations

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

metrics = Metrics(namespace="kycgate", service="kycgate")

__all__ = ["MetricUnit", "metrics"]
