"""Stored responses are encrypted: a replayed create-tenant response holds an API key."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_PURPOSE = b"tessera/idempotency/stored-responses/v1"


class ResponseCipher:
    """AES-256-GCM under a key derived (HKDF) from a service secret, bound to its record."""

    def __init__(self, secret: str) -> None:
        key = HKDF(algorithm=SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret.encode())
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, record: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, record)

    def open(self, sealed: bytes, record: bytes) -> bytes:
        return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], record)
