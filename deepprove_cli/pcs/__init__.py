"""Polynomial commitments: Basefold (basefold/) and its security calculator (security.py)."""
