"""The one powertools Metrics (EMF) object: business counts flushed by each handler's decorator."""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

metrics = Metrics(namespace="kycgate", service="kycgate")

# Most routes count nothing. Powertools warns when the set is empty, and that warning is a raw,
# non-JSON line in the log of every cold start (filter as powertools' metrics docs give it).
warnings.filterwarnings("ignore", "No application metrics to publish*")

__all__ = ["MetricUnit", "metrics"]
