"""Compliance (seed 001): ID-document verification; KYA, DD screening, points and search settings to come."""
