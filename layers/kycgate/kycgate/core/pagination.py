"""`page`/`page_size` pagination with a `pagination` object, the seeds' convention: the wire shape of
every list (its query parameters are core.page_queries'). The pages themselves come from core.listing.
"""

from pydantic import Field

from kycgate.core.wire import WireModel


class KycPagination(WireModel):
    page: int
    page_size: int
    total: int
    total_pages: int
    cursor: str | None = Field(None, description="opaque token of the next page; null on the last page")
