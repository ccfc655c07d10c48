"""KYA (seed 001, "DD - KYA"): a crypto address's risk task: validated, screened, explained."""
