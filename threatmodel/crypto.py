"""Secrets encrypted at rest (e.g. webhook signing secrets).

Fernet (AES-128-CBC + HMAC-SHA256) with a key from FIELD_ENCRYPTION_KEY, or, when that is unset,
derived from SECRET_KEY with HKDF-SHA256 under a purpose-specific label. Rotating SECRET_KEY without
setting FIELD_ENCRYPTION_KEY to the old derived key makes stored secrets unreadable: set
FIELD_ENCRYPTION_KEY explicitly in production.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class DecryptionError(Exception):
    pass


@lru_cache(maxsize=4)
def _fernet(secret_key: str, configured: str) -> Fernet:
    if configured:
        return Fernet(configured.encode())
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"threatmodel field encryption v1").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def fernet() -> Fernet:
    return _fernet(settings.SECRET_KEY, settings.FIELD_ENCRYPTION_KEY)


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("stored secret cannot be decrypted with the configured key") from exc
