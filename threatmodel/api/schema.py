"""Schema post-processing: every operation documents the problem+json errors the API base can return.

The base viewset answers 400/401/403/404/429 on any operation, 412/428 on writes that need If-Match,
409/422 on POSTs with an Idempotency-Key, and 415 on a body that is not JSON; documenting them lets
clients (and schemathesis) check every response against the schema. Operations whose authors gave no
example get one built from their schema, so that every endpoint in /api/docs/ shows one.
"""

import json

from .errors import TITLES

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` maps each bad field to its messages.",
    "required": ["type", "title", "status", "detail", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "current_version": {"type": "integer", "description": "On a 412: the object's current version"},
    },
    "example": {"type": "https://httpstatuses.io/400", "title": "Invalid request", "status": 400,
                "detail": "owner: 'sam' is not a member of team 'payments'.",
                "errors": {"owner": ["'sam' is not a member of team 'payments'."]}},
}
DESCRIPTIONS = {
    "400": "Invalid request: the fields named in `errors`",
    "401": "No valid credentials (missing, expired or revoked token)",
    "403": "Forbidden by your role or the token's scopes",
    "404": "Not found (also another team's object)",
    "409": "Conflict: a duplicate (e.g. a ticket already linked) or a request with this Idempotency-Key in flight",
    "412": "Precondition failed: If-Match is stale (re-read, re-apply, retry)",
    "415": "Unsupported media type: send application/json",
    "422": "This Idempotency-Key was used with a different body",
    "428": "Precondition required: send If-Match with the ETag you read",
    "429": "Too many requests: wait Retry-After seconds",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}
MAX_ID = 10**18 - 1


def _codes(method: str, operation: dict) -> list[str]:
    codes = ["400", "401", "403", "404", "429"]
    headers = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "header"}
    if method in WRITE_METHODS and "If-Match" in headers:
        codes += ["412", "428"]
    if method in WRITE_METHODS:
        codes += ["409"]
    if method == "post":
        codes += ["422"]
    if "requestBody" in operation:
        codes += ["415"]
    return codes


PARAMETER_EXAMPLES = {
    "If-Match": '"3"', "page_size": 100,
    "cursor": "MjAyNi0wMy0wMlQwOTozMToxMi4xMiswMDowMHw0MQ==", "updated_after": "2026-03-01T00:00:00Z",
}
SAMPLE_STRINGS = {"date-time": "2026-03-02T09:31:12Z", "date": "2026-04-30", "uri": "https://register.example.com/",
                  "email": "ana@example.com", "uuid": "3f2c9a4e-8d1b-4c6e-9f0a-2b7d5e1c8a94", "binary": "%PDF-1.7 ..."}


def sample(schema: dict, components: dict, depth: int = 0):
    """An example value built from a schema (its own examples and enums first), for operations whose authors
    gave none: every operation in /api/docs/ shows what it returns."""
    if depth > 12 or not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return sample(components.get(schema["$ref"].rsplit("/", 1)[-1], {}), components, depth + 1)
    if "example" in schema:
        return schema["example"]
    for key in ("allOf", "oneOf", "anyOf"):
        if schema.get(key):
            parts = [sample(s, components, depth + 1) for s in schema[key]]
            if key == "allOf" and all(isinstance(p, dict) for p in parts):
                return {k: v for p in parts for k, v in p.items()}
            return next((p for p in parts if p is not None), None)
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v not in (None, "")), schema["enum"][0])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: sample(prop, components, depth + 1) for name, prop in schema.get("properties", {}).items()}
    if kind == "array":
        item = sample(schema.get("items", {}), components, depth + 1)
        return [] if item is None else [item]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "string":
        return SAMPLE_STRINGS.get(schema.get("format"), "text")
    return None


def add_examples(operation: dict, components: dict) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("name") in PARAMETER_EXAMPLES and "example" not in parameter:
            parameter["example"] = PARAMETER_EXAMPLES[parameter["name"]]
    for response in operation.get("responses", {}).values():
        for media in response.get("content", {}).values():
            if "example" not in media and "examples" not in media:
                value = sample(media.get("schema", {}), components)
                if value is not None:
                    media["example"] = value


def _typed_nullable_choices(node, components: dict, inlined: set) -> None:
    """A nullable choice comes out as `oneOf: [SomeEnum, NullEnum]` with a bare `nullable` beside it; OpenAPI 3.0
    wants `nullable` next to a `type`: inline the choices as `{type, enum + [null], nullable}`."""
    if isinstance(node, list):
        for item in node:
            _typed_nullable_choices(item, components, inlined)
        return
    if not isinstance(node, dict):
        return
    refs = [part.get("$ref", "").rsplit("/", 1)[-1] for part in node.get("oneOf", []) if isinstance(part, dict)]
    if node.get("nullable") and "type" not in node and len(refs) == 2 and "NullEnum" in refs:
        name = next(r for r in refs if r != "NullEnum")
        choices = components.get(name, {})
        if choices.get("type") and choices.get("enum"):
            del node["oneOf"]
            node.update(type=choices["type"], enum=[*choices["enum"], None])
            inlined.update((name, "NullEnum"))
    for value in node.values():
        _typed_nullable_choices(value, components, inlined)


def typed_nullable_choices(result: dict) -> None:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    inlined: set = set()
    _typed_nullable_choices(result.get("paths", {}), components, inlined)
    _typed_nullable_choices(components, components, inlined)
    text = json.dumps(result, default=str)  # (lazy translation strings)
    for name in inlined:  # an enum now used by no one would be an unused component
        if f'"#/components/schemas/{name}"' not in text:
            components.pop(name, None)


def document_problem_responses(result, generator, request, public):
    typed_nullable_choices(result)
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Problem", PROBLEM)
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.setdefault("minimum", 1)  # ids are positive 64-bit integers
                    schema.setdefault("maximum", MAX_ID)
                    parameter.setdefault("example", 41)
            responses = operation["responses"]
            for code in _codes(method, operation):
                if code in responses:
                    continue
                example = {"type": f"https://httpstatuses.io/{code}", "title": TITLES.get(int(code), "Error"),
                           "status": int(code), "detail": DESCRIPTIONS[code], "errors": {}}
                response = {"description": DESCRIPTIONS[code],
                            "content": {"application/problem+json": {"schema": ref, "example": example}}}
                if code == "429":
                    response["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                           "description": "Seconds to wait"}}
                responses[code] = response
            add_examples(operation, components)
    return result
