"""KYA wire models, named as in seed 001 ("DD - KYA")."""

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from kycgate.core.pagination import KycPagination
from kycgate.core.wire import CreatedRange, StrictWireModel, WireModel
from kycgate.kyc.vocabulary import CUSTOMER_ID_PATTERN

CustomerReference = Annotated[
    str,
    StringConstraints(pattern=CUSTOMER_ID_PATTERN),
    Field(description="your reference for the customer the address belongs to: 1-128 of A-Z a-z 0-9 . _ : @ + -"),
]


class RiskRating(StrEnum):
    """The seed's five KYC risk ratings (the same bands as DD tasks)."""

    LOW = "low"  # 0-24
    LOW_MEDIUM = "low_medium"  # 25-49
    MEDIUM = "medium"  # 50-74
    HIGH = "high"  # 75-99
    VERY_HIGH = "very_high"  # 100


class CreateKyaTaskRequest(StrictWireModel):
    address: str = Field(min_length=1, max_length=256, description="the blockchain address to analyse")
    chain: str | None = Field(
        None,
        max_length=16,
        description="btc or eth (also recognised: ltc, bch, trx, xmr, ...); detected from the address when omitted",
    )
    customer_reference: CustomerReference | None = None
    callback_url: str | None = Field(None, max_length=2048, description="https URL that receives the task (webhook)")


class KyaData(WireModel):
    """The risk summary of the address."""

    chain: str
    network: str
    address_type: str
    analysed: bool = Field(description="true for BTC and ETH; other chains are screened against the lists only")
    checks: list[str] = Field(description="what ran: sanctions_lists, and transactions when an explorer is set")
    sanctioned: bool
    risk_score: int = Field(ge=0, le=100, description="100 when the address is on a sanctions list")
    risk_rating: RiskRating
    lists_version: str | None = Field(None, description="the screening index the lookup used")
    note: str = ""


class SdnListing(WireModel):
    """One sanctions-list entry that lists the address."""

    uid: str = Field(description="the entry's id in its list")
    name: str
    source: str = Field(description="which list: ofac_sdn, or an address list such as eth_sanctioned")
    programs: list[str]
    entity_type: str | None = None
    currency: str | None = Field(None, description="as the list names it, e.g. XBT, ETH")
    listed_address: str = Field(description="the address as the list spells it")


class KyaTransaction(WireModel):
    hash: str
    time: int | None = None
    direction: str
    counterparty: str | None = None
    amount: str | None = None
    asset: str | None = None
    failed: bool


class KyaTask(WireModel):
    kya_id: int
    address: str = Field(description="normalised: ETH in EIP-55 mixed case, bech32 in lower case")
    data: KyaData
    sdnlist: list[SdnListing]
    txlist: list[KyaTransaction]
    creation_timestamp: int
    creator_account: str
    creator_email: str | None = None
    creator_name: str | None = None
    customer_reference: str | None = None


class KyaTaskFilters(CreatedRange):
    chain: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,5}$")] | None = Field(None, description="btc, eth, ...")
    sanctioned: bool | None = Field(None, description="only tasks whose address is (or is not) on a list")
    customer_reference: CustomerReference | None = None


class KyaTaskListResponse(WireModel):
    items: list[KyaTask]
    pagination: KycPagination
