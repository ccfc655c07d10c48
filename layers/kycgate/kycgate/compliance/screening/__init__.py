"""The screening engine: names and addresses against the loaded sanctions lists.

    index = kycgate.compliance.lists.get_index()      # NoListLoaded when none is published
    hits = screen_person(index, "Aiman al Zawahiri", birth_date="1951-06-19", nationality="EG")
    hits = screen_company(index, "Havin Bank Ltd", country="GB")
    risk = assess(hits, threshold)                     # potential_risk, rating, sanction_matched, ...
    listings = lookup_address(index, "0x72a5843cc08275c8171e582972aa4fda8c397b2a")

Importing this package is cheap (no rapidfuzz, jellyfish, anyascii or pypinyin until a query).
"""

from kycgate.compliance.screening.addresses import AddressListing, lookup_address
from kycgate.compliance.screening.index import ScreeningIndex
from kycgate.compliance.screening.matcher import MIN_SCORE, Hit, screen_company, screen_person
from kycgate.compliance.screening.risk import (
    DEFAULT_MATCH_THRESHOLD,
    RiskAssessment,
    assess,
    lists_screened,
    potential_risk,
    rating,
)

__all__ = [
    "DEFAULT_MATCH_THRESHOLD",
    "MIN_SCORE",
    "AddressListing",
    "Hit",
    "RiskAssessment",
    "ScreeningIndex",
    "assess",
    "lists_screened",
    "lookup_address",
    "potential_risk",
    "rating",
    "screen_company",
    "screen_person",
]
