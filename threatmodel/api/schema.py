"""Schema post-processing: every operation documents the problem+json errors the API base can return.

The base viewset answers 400/401/403/404/429 on any operation, 412/428 on writes that need If-Match,
409/422 on POSTs with an Idempotency-Key, and 415 on a body that is not JSON; documenting them lets
clients (and schemathesis) check every response against the schema.
"""

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


def document_problem_responses(result, generator, request, public):
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
            responses = operation["responses"]
            for code in _codes(method, operation):
                if code in responses:
                    continue
                response = {"description": DESCRIPTIONS[code], "content": {"application/problem+json": {"schema": ref}}}
                if code == "429":
                    response["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                           "description": "Seconds to wait"}}
                responses[code] = response
    return result
