"""Provider gateway (seed 003): KYC/KYB applications dispatched to third-party providers.

``providers/`` holds one adapter per provider behind one interface (``providers/base.py``).
"""
