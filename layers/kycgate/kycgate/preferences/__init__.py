"""Preferences: a tenant's KYC settings, Re-Use KYC triggers and reactions included."""
