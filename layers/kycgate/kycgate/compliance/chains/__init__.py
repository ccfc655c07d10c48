"""Crypto addresses and chain data for KYA.

- ``addresses``: ``parse_address`` / ``detect_chain`` (validation and normalisation per chain).
- ``explorers``: the ``ChainExplorer`` interface a deployment plugs in for ``txlist``.

Nothing is imported here, so that a function that needs one of them does not load the other.
"""
