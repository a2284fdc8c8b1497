"""From uploaded bytes to a plan: read within limits, recognise the format, parse."""

import logging

from . import limits
from .errors import ImportProblem
from .formats import otm, system_export, threat_composer, threat_dragon
from .plan import Plan, normalise
from .reader import Node, type_name

log = logging.getLogger(__name__)

# Most specific first: our export and OTM carry a format marker, Threat Composer a schema number.
FORMATS = {m.FORMAT: m for m in (system_export, otm, threat_composer, threat_dragon)}
FORMAT_LABELS = {key: m.LABEL for key, m in FORMATS.items()}
SUPPORTED = ("OWASP Threat Dragon (v1 or v2 JSON), AWS Threat Composer (.tc.json), Open Threat Model "
             "(OTM JSON or YAML) or a system export of this tool")


def detect(doc, forced: str | None = None):
    if not isinstance(doc, dict):
        raise ImportProblem("$", f"the file must hold a JSON object, found {type_name(doc)}")
    if forced:
        module = FORMATS.get(forced)
        if module is None:
            raise ImportProblem("$", f"unknown format '{forced[:40]}' (one of {', '.join(FORMATS)})")
        return module
    for module in FORMATS.values():
        if module.looks_like(doc):
            return module
    if "scope" in doc and ("trust_zones" in doc or "threats" in doc) or "threat-model" in str(doc.get("$schema", "")):
        raise ImportProblem("$", "this looks like an OWASP Threat Model Library (TM-BOM) file, which is not "
                                 f"supported; import {SUPPORTED}")
    raise ImportProblem("$", f"not a format this tool imports: expected {SUPPORTED}")


def read(data: bytes, *, filename: str = "", forced: str | None = None) -> Plan:
    """The plan of an uploaded file; ImportProblem (with the JSON path of the first problem) otherwise."""
    doc = limits.load(data, filename=filename)
    module = detect(doc, forced)
    limits.check_tree(doc, blobs=getattr(module, "BLOBS", ()))
    try:
        return normalise(module.parse(Node(doc), filename=filename))
    except ImportProblem:
        raise
    except Exception:  # a parser bug must still be a clear 400, never a 500 (and it is logged to be fixed)
        log.exception("import parser %s failed on %s", module.FORMAT, filename or "an upload")
        raise ImportProblem("$", f"the file could not be read as {module.LABEL}") from None
