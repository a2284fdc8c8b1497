"""What the base viewset does for every endpoint, declared once in the OpenAPI schema.

`ApiSchema` (the project's DEFAULT_SCHEMA_CLASS) adds to each operation of a TeamScopedViewSet what the base
really does, so no endpoint repeats it:

- `Idempotency-Key` on every POST (1 to 255 characters with something besides blanks, idempotency.py), and
  `Idempotent-Replayed: true` on a replayed response;
- `If-Match` (an ETag or `*`) on PUT/PATCH/DELETE of a ResourceViewSet or of a view with `require_if_match`
  (required there), and on the POST actions a view lists in `if_match_actions`;
- `ETag` on each 200/201 whose body has an integer `version` and an `id` (or an action in `etag_actions`),
  and then `If-None-Match` with its `304` on the GET;
- `Location` on every 201 (a view whose 201 has no URL of its own sets `created_location = False`);
- bounds on `page_size`.
"""

from drf_spectacular.openapi import AutoSchema

from .base import ETAG_PATTERN, IF_MATCH_PATTERN, ResourceViewSet, TeamScopedViewSet
from .idempotency import KEY_MAX_LENGTH
from .pagination import MAX_PAGE_SIZE

ETAG = {"schema": {"type": "string", "pattern": ETAG_PATTERN}, "example": '"3"',
        "description": "The object's version as an entity tag: send it back in If-Match (writes) or "
                       "If-None-Match (reads)."}
LOCATION = {"schema": {"type": "string"}, "example": "/api/v1/risks/41/",
            "description": "Path of the object this request created."}
REPLAYED = {"schema": {"type": "string", "enum": ["true"]}, "example": "true",
            "description": "Present when this is the stored response to an earlier request with the same "
                           "Idempotency-Key (nothing was done again)."}
IF_MATCH_SCHEMA = {"type": "string", "pattern": IF_MATCH_PATTERN}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH, "pattern": r"\S"},
    "example": "0f8e2c5a-7d4b-4e91-b6a3-52c1d9e07f34",
    "description": "Makes the POST safe to retry: a new random value (e.g. a UUID) per operation, the same value "
                   "only when retrying it. A replay returns the first response with `Idempotent-Replayed: true`; "
                   "the same key with another body is a 422. Kept for at least 24 hours.",
}
NOT_MODIFIED = {"description": "Not modified: the If-None-Match ETag is still the current version (no body).",
                "headers": {"ETag": ETAG}}


def _if_match(required: bool) -> dict:
    return {"name": "If-Match", "in": "header", "required": required, "schema": dict(IF_MATCH_SCHEMA),
            "example": '"3"',
            "description": 'The ETag you read, e.g. "3" (or `*`: any version)'
                           + ("; without it a 428, stale a 412." if required else "; stale is a 412.")}


IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                 "example": '"3"', "description": "The ETag you hold: a 304 with no body while it is current."}


class ApiSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None or not isinstance(self.view, TeamScopedViewSet):
            return operation
        view, verb = self.view, method.lower()
        action = getattr(view, "action", None)
        parameters = operation.setdefault("parameters", [])
        named = {p["name"]: p for p in parameters if p.get("in") == "header"}
        for parameter in parameters:
            if parameter.get("name") == "page_size" and parameter.get("in") == "query":
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        if verb == "post":
            named.pop("Idempotency-Key", None)
            parameters[:] = [p for p in parameters if p.get("name") != "Idempotency-Key"] + [dict(IDEMPOTENCY_KEY)]
        wants_if_match = ((verb in ("put", "patch", "delete")
                           and (isinstance(view, ResourceViewSet) or view.require_if_match))
                          or action in view.if_match_actions)
        if "If-Match" in named:
            named["If-Match"]["schema"] = dict(IF_MATCH_SCHEMA)
            named["If-Match"].setdefault("example", '"3"')
        elif wants_if_match:
            parameters.append(_if_match(view.require_if_match))
        responses = operation.get("responses", {})
        etag_get = False
        for code, response in responses.items():
            headers = response.setdefault("headers", {})
            if code in ("200", "201") and (action in view.etag_actions or self._versioned(response)):
                headers["ETag"] = ETAG
                etag_get = etag_get or (verb == "get" and code == "200")
            if code == "201" and view.created_location:
                headers["Location"] = LOCATION
            if verb == "post" and code.startswith("2"):
                headers["Idempotent-Replayed"] = REPLAYED
            if not headers:
                del response["headers"]
        if etag_get:
            if "If-None-Match" not in named:
                parameters.append(dict(IF_NONE_MATCH))
            responses.setdefault("304", NOT_MODIFIED)
        if not parameters:
            del operation["parameters"]
        return operation

    def _versioned(self, response: dict) -> bool:
        """The body is an object with an `id` and an integer `version` (the base sends its ETag)."""
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        for _ in range(3):
            if "$ref" not in schema:
                break
            component = self.registry._components.get((schema["$ref"].rsplit("/", 1)[-1], "schemas"))
            schema = component.schema if component is not None else {}
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        return "id" in properties and properties.get("version", {}).get("type") == "integer"
