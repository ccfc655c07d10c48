"""`page`/`page_size` pagination with a `pagination` object, the seeds' convention.

Lists of a tenant's records are served by core.listing (DynamoDB pages, a signed `cursor`, totals from
counters). ``paginate`` slices a list already in memory: fine for a short bounded one (an application's
audit trail, reference data), a compatibility path for lists not yet moved to core.listing.
"""

from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Query
from pydantic import Field

from kycgate.core.wire import WireModel

T = TypeVar("T")

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


def paginate(items: Sequence[T], page: int, page_size: int) -> tuple[list[T], KycPagination]:
    total = len(items)
    start = (page - 1) * page_size
    window = list(items[start : start + page_size])
    pages = (total + page_size - 1) // page_size
    return window, KycPagination(page=page, page_size=page_size, total=total, total_pages=pages)
