"""Reading an uploaded file as JSON, within limits that keep a hostile file from hurting the server.

Every limit is checked before anything is written, and a breach is an ``ImportProblem`` naming the
JSON path of the first offending value. The limits (documented in docs/interop.md):

- the file: at most ``IMPORT_MAX_BYTES`` (setting, default 5 MiB), UTF-8 (a BOM is allowed);
- JSON only: no NaN/Infinity, no number longer than Python's integer digit limit;
- nesting: at most ``MAX_DEPTH`` levels of arrays/objects;
- size of the tree: at most ``MAX_NODES`` JSON values in all;
- text: each string (and each object key) at most ``MAX_STRING`` characters, except the fields a
  format declares as ignored blobs (Threat Composer's embedded diagram images), which are never read.
"""

import json
import re
from collections.abc import Iterable

from django.conf import settings

from .errors import ImportProblem

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 250_000
MAX_STRING = 100_000
MAX_KEY = 1_000


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


def _size_label(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def decode(data: bytes) -> str:
    """UTF-8 text of the file (a leading BOM dropped); ImportProblem for a file too big or not UTF-8."""
    if not isinstance(data, (bytes, bytearray)):
        raise ImportProblem("$", "the upload is not a file")
    limit = max_bytes()
    if len(data) > limit:
        raise ImportProblem("$", f"the file is {_size_label(len(data))}; the limit is {_size_label(limit)}")
    if not data.strip():
        raise ImportProblem("$", "the file is empty")
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportProblem("$", f"the file is not UTF-8 text (invalid byte at offset {exc.start})") from None
    return text.removeprefix("\ufeff")


def parse(text: str):
    """The JSON value of ``text``; ImportProblem (path ``$``) with the line and column of a syntax error."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ImportProblem("$", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ImportProblem("$", f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # NaN/Infinity, or an integer with too many digits
        raise ImportProblem("$", f"not valid JSON: {exc}") from None


def render_path(link) -> str:
    """A JSONPath from a linked path ``(parent_link, key)``; keys that are not identifiers are quoted."""
    parts = []
    while link is not None:
        link, key = link
        if isinstance(key, int):
            parts.append(f"[{key}]")
        elif key.isidentifier():
            parts.append(f".{key}")
        else:
            parts.append(f"[{json.dumps(key, ensure_ascii=False)}]")
    return "$" + "".join(reversed(parts))


def check_tree(value, *, blobs: Iterable[tuple] = ()) -> None:
    """Walk the parsed value (iteratively: a deep file cannot exhaust the stack) and enforce the limits.

    ``blobs``: key paths (tuples of keys from the root) whose string values are ignored by the format,
    so they may be longer than MAX_STRING (the file size limit still applies).
    """
    blob_paths = {tuple(b) for b in blobs}
    nodes = 0
    # (value, depth, linked path, key tuple when still tracking a blob prefix, else None)
    stack = [(value, 0, None, ())]
    while stack:
        current, depth, link, keys = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ImportProblem(render_path(link), f"the file holds more than {MAX_NODES} JSON values")
        if isinstance(current, str):
            if len(current) > MAX_STRING and keys not in blob_paths:
                raise ImportProblem(render_path(link), f"a text of {len(current)} characters; "
                                                       f"the limit is {MAX_STRING}")
            continue
        if isinstance(current, dict):
            if depth >= MAX_DEPTH:
                raise ImportProblem(render_path(link), f"nested more than {MAX_DEPTH} levels deep")
            for key, child in current.items():
                if len(key) > MAX_KEY:
                    raise ImportProblem(render_path(link), f"a key of {len(key)} characters; the limit is {MAX_KEY}")
                child_keys = keys + (key,) if keys is not None and len(keys) < 4 else None
                stack.append((child, depth + 1, (link, key), child_keys))
        elif isinstance(current, list):
            if depth >= MAX_DEPTH:
                raise ImportProblem(render_path(link), f"nested more than {MAX_DEPTH} levels deep")
            for index in range(len(current) - 1, -1, -1):
                stack.append((current[index], depth + 1, (link, index), None))


def load(data: bytes, *, filename: str = ""):
    """Decode and parse (the tree limits are checked once the format, and so its blobs, is known). An OTM
    file may be YAML (the specification allows it): a .yaml/.yml name, or text that starts with an
    `otmVersion:` key, is read with a safe YAML loader and then held to the same limits as JSON."""
    text = decode(data)
    if filename.lower().endswith((".yaml", ".yml")) or OTM_YAML.match(text):
        return parse_yaml(text)
    return parse(text)


OTM_YAML = re.compile(r"^(?:\s*#[^\n]*\n|\s*---\s*\n|\s*\n)*\s*[\"']?otmVersion[\"']?\s*:")


def parse_yaml(text: str):
    """The value of a YAML document as JSON would have it (safe loader: no tags, no objects); dates become
    ISO text, and anchors/aliases are refused (an alias bomb is a classic)."""
    import yaml

    if re.search(r"(^|[\s\[{,])[&*][A-Za-z0-9_-]+", text):
        raise ImportProblem("$", "YAML anchors and aliases are not accepted in an import")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise ImportProblem("$", f"not valid YAML{where}") from None
    except RecursionError:
        raise ImportProblem("$", f"the YAML is nested more than {MAX_DEPTH} levels deep") from None
    return parse(json.dumps(value, default=str))
