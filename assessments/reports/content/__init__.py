"""What a report says, as plain JSON-able data built from the register (one module per report kind).

The templates only lay this data out. Its canonical JSON, without the ``generated`` block, is what
the report's content SHA-256 covers: two reports of the same register state carry the same hash.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

HASH_EXCLUDES = ("generated",)


def canonical_bytes(content: dict) -> bytes:
    body = {k: v for k, v in content.items() if k not in HASH_EXCLUDES}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def content_sha256(content: dict) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def build_content(kind: str, system, *, generated_by=None, generated_at=None) -> dict:
    if kind == "assurance":
        from .assurance import assurance_content

        return assurance_content(system, generated_by=generated_by, generated_at=generated_at)
    if kind == "pia":
        from .pia import pia_content

        return pia_content(system, generated_by=generated_by, generated_at=generated_at)
    raise ValueError(f"unknown report kind {kind!r}")
