"""API key secrets: made here, shown once, and from then on known to the ledger only by hash.

A secret is 32 random bytes, so a plain SHA-256 is enough to make the stored hash useless to a
thief (there is nothing to brute-force); a slow password hash would only slow every request down.
"""

from __future__ import annotations

import hashlib
import secrets

SECRET_PREFIX = "gw-"
HINT_LENGTH = 4


def new_secret() -> str:
    """A fresh secret: the ``gw-`` prefix (which makes leaked keys easy to scan for) and 32 random bytes."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> bytes:
    """What the ledger stores and looks keys up by."""
    return hashlib.sha256(secret.encode()).digest()


def secret_hint(secret: str) -> str:
    """``gw-...AbCd``: enough for a person to tell keys apart, far too little to guess one."""
    return f"{SECRET_PREFIX}...{secret[-HINT_LENGTH:]}"
