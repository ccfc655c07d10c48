"""KYC: customers, KYC requests, documents (preferences: kycgate.preferences)."""
