"""What a report says, as plain JSON-able data built from the register (one module per report kind).

The templates only lay this data out. Its canonical JSON, without the ``generated`` and ``audit``
blocks, is what the report's content SHA-256 covers: two reports of the same state carry the same
hash, whatever else happened in the team meanwhile (every request advances the team's audit chain,
so its head is printed but not hashed). The canonical JSON travels inside the PDF as a PDF/A-3
associated file (``CONTENT_FILENAME``), so anyone can recompute the hash from the PDF alone.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

HASH_EXCLUDES = ("generated", "audit")
CONTENT_FILENAME = "report-content.json"


def hashed_body(content: dict) -> dict:
    return {k: v for k, v in content.items() if k not in HASH_EXCLUDES}


def canonical_bytes(content: dict) -> bytes:
    return json.dumps(hashed_body(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      cls=DjangoJSONEncoder).encode()


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
