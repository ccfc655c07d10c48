"""DD tasks (seed 001, "DD - KYB & KYC"): a person or a company screened, rated, reviewed and monitored."""
