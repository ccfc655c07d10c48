"""kycgate: multi-tenant KYC and compliance backend."""
