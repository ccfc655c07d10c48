"""Shared core: settings, errors, auth, ids, clock, AWS access, images."""
