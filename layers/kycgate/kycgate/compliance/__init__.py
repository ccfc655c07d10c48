"""Compliance (seed 001): sanctions lists, the screening engine, crypto addresses; DD tasks, KYA and IDV."""
