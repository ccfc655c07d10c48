"""Compliance (seed 001): sanctions lists and the screening engine; DD tasks and KYA build on them."""
