"""`page`/`page_size` pagination with a `pagination` object, the seeds' convention: the query
parameters and the wire shape of every list. The pages themselves come from core.listing.
"""

from typing import Annotated

from fastapi import Query
from pydantic import Field

from kycgate.core.wire import WireModel

PageQuery = Annotated[int, Query(ge=1, le=100_000, description="1-based page number")]
PageSizeQuery = Annotated[int, Query(ge=1, le=100, description="items per page (max 100)")]
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=2048,
        description="pagination.cursor of the previous page: reads only the next page (then `page` is ignored)",
    ),
]


class KycPagination(WireModel):
    page: int
    page_size: int
    total: int
    total_pages: int
    cursor: str | None = Field(None, description="opaque token of the next page; null on the last page")
