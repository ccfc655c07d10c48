"""KYC levels (seed 002): configuration, clients, applications, documents, signatures, liveness, review."""
