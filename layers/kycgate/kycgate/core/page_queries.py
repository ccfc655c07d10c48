"""The `page`/`page_size`/`cursor` query parameters of every list route (FastAPI's ``Query``).

Apart from core.pagination's wire model: importing FastAPI is a fifth of a cold start, and the scheduled
functions that build a context's wire models (reuse_expiry_sweeper's callbacks) serve no HTTP.
"""

from typing import Annotated

from fastapi import Query

PageQuery = Annotated[int, Query(ge=1, le=100_000, description="1-based page number")]
PageSizeQuery = Annotated[int, Query(ge=1, le=100, description="items per page (max 100)")]
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=2048,
        description="pagination.cursor of the previous page: reads only the next page (then `page` is ignored)",
    ),
]
