"""Re-Use KYC: trigger evaluation, sessions, selfie submit, retries and reactions, QR handoff, alerts."""
