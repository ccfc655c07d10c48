"""KYC: preferences, customers, KYC requests, documents, handoff sessions, alerts."""
