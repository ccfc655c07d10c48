"""`page`/`page_size` pagination with a `pagination` object, the seeds' convention."""

from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Query

from kycgate.core.wire import WireModel

T = TypeVar("T")

PageQuery = Annotated[int, Query(ge=1, le=100_000, description="1-based page number")]
PageSizeQuery = Annotated[int, Query(ge=1, le=100, description="items per page (max 100)")]


class KycPagination(WireModel):
    page: int
    page_size: int
    total: int
    total_pages: int


def paginate(items: Sequence[T], page: int, page_size: int) -> tuple[list[T], KycPagination]:
    total = len(items)
    start = (page - 1) * page_size
    window = list(items[start : start + page_size])
    pages = (total + page_size - 1) // page_size
    return window, KycPagination(page=page, page_size=page_size, total=total, total_pages=pages)
