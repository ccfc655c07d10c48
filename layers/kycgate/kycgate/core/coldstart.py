"""A Lambda's init and first invocation run without Python's cyclic garbage collector.

What a function allocates while it imports its modules and answers its first event lives as long as
the process: modules, classes, pydantic's validators, botocore's service model. Python's collector
still walked that heap about 210 times in each cold start, 55-70 ms (8%) spent finding ~750
unreachable objects among ~117,000 (bench/cold_start.py, CPython 3.11). So kycgate's import pauses
the collector, and the first invocation ends by moving the heap to the permanent generation
(`gc.freeze`: no later collection walks it again) and resuming it. Those ~750 objects are kept for
the life of the process; the first invocation adds 10-30 more. The gc module's documentation gives
the same calls (disable early, freeze, enable) for a server that forks its workers after start-up.

Only in Lambda's managed runtimes (they set AWS_EXECUTION_ENV=AWS_Lambda_python3.11): tests, `kycgate
serve` and the CLI keep the collector as Python sets it. Every handler a function exports goes
through `resumes_collector`; each function's test invokes it paused and checks it resumes.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., Any])

_paused = False


def pause_collector_in_lambda() -> None:
    global _paused
    if os.environ.get("AWS_EXECUTION_ENV", "").startswith("AWS_Lambda_") and gc.isenabled():
        gc.disable()
        _paused = True


def _resume_collector() -> None:
    """Freeze what init built and turn the collector back on (once; later calls do nothing)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def resumes_collector(handler: Handler) -> Handler:
    """The handler, resuming the collector when its first invocation ends, however it ends."""

    @wraps(handler)
    def invoke(event: Any, context: Any) -> Any:
        try:
            return handler(event, context)
        finally:
            _resume_collector()

    return invoke  # type: ignore[return-value]
