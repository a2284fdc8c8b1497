"""Verify a report PDF: recompute its content hash from the JSON embedded in it, compare with what was stored,
and say what differs from the current state.

A PDF passes when
1. it carries the canonical JSON of its content as an associated file (``report-content.json``);
2. the SHA-256 recomputed from that JSON equals the content hash stated in the PDF;
3. a report stored here has that content hash and exactly this file's SHA-256 (any byte changed in
   the PDF, visible text included, breaks this).
The comparison with the current state (the same report built now) is information, not a failure: a
report is a statement about the past, and the list says what changed since.
"""

import hashlib
import io
import json
import re
from dataclasses import dataclass, field

from .content import CONTENT_FILENAME, build_content, canonical_bytes, content_sha256, hashed_body

STATED_RE = re.compile(r"content SHA-256 ([0-9a-f]{64})")
MAX_DIFFERENCES = 40


@dataclass
class Verification:
    ok: bool = False
    file_sha256: str = ""
    stated_sha256: str = ""
    recomputed_sha256: str = ""
    report_id: int | None = None
    system_id: int | None = None
    kind: str = ""
    problems: list[str] = field(default_factory=list)
    current_sha256: str = ""
    differences: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "file_sha256": self.file_sha256, "stated_sha256": self.stated_sha256,
                "recomputed_sha256": self.recomputed_sha256, "report": self.report_id, "system": self.system_id,
                "kind": self.kind, "problems": self.problems, "current_sha256": self.current_sha256,
                "unchanged_since": bool(self.current_sha256) and self.current_sha256 == self.recomputed_sha256,
                "differences": self.differences}


def read_pdf(data: bytes) -> tuple[bytes | None, str]:
    """(the embedded content JSON or None, the content hash the PDF states or "")."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        attachments = reader.attachments
        meta = reader.metadata or {}
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a readable PDF ({exc})") from exc
    found = attachments.get(CONTENT_FILENAME) or []
    subject = str(meta.get("/Subject") or "")
    match = STATED_RE.search(subject)
    return (found[0] if found else None), (match.group(1) if match else "")


def differences(old, new, path: str = "", out: list | None = None) -> list[str]:
    """Readable paths where two JSON values differ (lists of objects matched by their ref or id)."""
    out = [] if out is None else out
    if len(out) >= MAX_DIFFERENCES:
        return out
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            where = f"{path}.{key}" if path else str(key)
            if key not in old:
                out.append(f"{where}: added")
            elif key not in new:
                out.append(f"{where}: removed")
            else:
                differences(old[key], new[key], where, out)
        return out
    if isinstance(old, list) and isinstance(new, list):
        keyed = all(isinstance(v, dict) and ("ref" in v or "id" in v) for v in [*old, *new])
        if keyed and (old or new):
            key = lambda v: str(v.get("ref", v.get("id")))  # noqa: E731
            before, after = {key(v): v for v in old}, {key(v): v for v in new}
            for k in [*before, *(k for k in after if k not in before)]:
                where = f"{path}[{k}]"
                if k not in after:
                    out.append(f"{where}: removed")
                elif k not in before:
                    out.append(f"{where}: added")
                else:
                    differences(before[k], after[k], where, out)
            return out
        if old != new:
            out.append(f"{path}: {_short(old)} -> {_short(new)}")
        return out
    if old != new:
        out.append(f"{path}: {_short(old)} -> {_short(new)}")
    return out


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def verify_pdf(data: bytes, *, reports, systems=None) -> Verification:
    """Verify ``data`` against the ``reports`` queryset (scoped to the caller) and, when ``systems``
    (a queryset of systems the caller may see) holds the report's system, against its current state."""
    v = Verification(file_sha256=hashlib.sha256(data).hexdigest())
    try:
        embedded, v.stated_sha256 = read_pdf(data)
    except ValueError as exc:
        v.problems.append(f"The file is {exc}.")
        return v
    if embedded is None:
        v.problems.append(f"The PDF carries no {CONTENT_FILENAME}: it was not produced by this service, or the "
                          f"attachment was removed.")
        return v
    try:
        content = json.loads(embedded)
    except ValueError:
        v.problems.append(f"The embedded {CONTENT_FILENAME} is not valid JSON.")
        return v
    v.recomputed_sha256 = content_sha256(content)
    v.kind = str(content.get("kind", ""))
    v.system_id = (content.get("system") or {}).get("id")
    if not v.stated_sha256:
        v.problems.append("The PDF does not state a content SHA-256.")
    elif v.recomputed_sha256 != v.stated_sha256:
        v.problems.append(f"The embedded content hashes to {v.recomputed_sha256}, not the {v.stated_sha256} the "
                          f"PDF states: the content was altered.")
    stored = list(reports.filter(content_sha256=v.recomputed_sha256).values("id", "sha256"))
    exact = next((r for r in stored if r["sha256"] == v.file_sha256), None)
    if exact:
        v.report_id = exact["id"]
    elif stored:
        v.report_id = stored[0]["id"]
        v.problems.append(f"Report #{stored[0]['id']} has this content, but its file's SHA-256 is "
                          f"{stored[0]['sha256']}, not {v.file_sha256}: the PDF was changed after it was stored.")
    else:
        v.problems.append("No stored report has this content hash.")
    v.ok = not v.problems
    system = systems.filter(pk=v.system_id).select_related("team").first() if systems is not None and v.system_id \
        else None
    if system is not None and v.kind in ("pia", "assurance"):
        current = build_content(v.kind, system)
        v.current_sha256 = content_sha256(current)
        if v.current_sha256 != v.recomputed_sha256:
            v.differences = differences(hashed_body(content), json.loads(canonical_bytes(current)))
    return v
