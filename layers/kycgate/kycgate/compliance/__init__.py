"""Compliance (seed 001): KYA crypto-address risk, DD screening tasks, IDV tasks."""
