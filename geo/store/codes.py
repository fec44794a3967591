"""Reference codes: what a resident is shown once their report is stored."""

from __future__ import annotations

import secrets

REF_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""Reference codes avoid 0/O and 1/I so they can be read aloud and typed back."""
REF_CODE_LENGTH = 8


def new_ref_code(length: int = REF_CODE_LENGTH) -> str:
    """A short, unguessable reference code (8 × 5 bits = 40 bits of randomness)."""
    return "".join(secrets.choice(REF_CODE_ALPHABET) for _ in range(length))
