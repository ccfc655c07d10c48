"""Hosted pages: Re-Use KYC's selfie page and QR handoff page, and the KYC submission's document-capture page."""
