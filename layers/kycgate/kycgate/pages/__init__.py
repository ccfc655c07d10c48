"""Hosted capture pages: the phone's selfie page and the desktop's QR handoff page."""
