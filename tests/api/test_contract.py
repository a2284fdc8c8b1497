"""The generated OpenAPI schema says what the base viewset does (contract.py) and what clients rely on:
response headers, conditional and idempotent request headers with their limits, bounded page sizes, servers,
typed nullable fields, examples valid against their own schemas, the bare cursor of a list; and the server
does what the schema says for the cases it newly declares."""

import io
import json

import jsonschema
import pytest
from django.core.management import call_command

from threatmodel.api.idempotency import KEY_MAX_LENGTH
from threatmodel.api.pagination import MAX_PAGE_SIZE

pytestmark = pytest.mark.django_db
ANNOTATIONS = {"example", "examples", "nullable", "discriminator", "xml", "externalDocs", "deprecated"}


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    out = tmp_path_factory.mktemp("schema") / "schema.json"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out),
                     stdout=io.StringIO(), stderr=io.StringIO())
    return json.loads(out.read_text())


def operation(schema, path, method):
    return schema["paths"][path][method]


def header_params(op) -> dict:
    return {p["name"]: p for p in op.get("parameters", []) if p["in"] == "header"}


def to_json_schema(node):
    """OpenAPI 3.0 schema -> JSON Schema (draft 7): `nullable` becomes a null type, refs point to definitions."""
    if isinstance(node, list):
        return [to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: ("#/definitions/" + v.rsplit("/", 1)[-1] if k == "$ref" else to_json_schema(v))
           for k, v in node.items() if k not in ANNOTATIONS}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def examples_in(schema):
    """(where, schema, example) for every example: components, their properties, parameters, bodies, responses."""
    for name, component in schema["components"]["schemas"].items():
        if "example" in component:
            yield f"components/{name}", component, component["example"]
        for prop, sub in component.get("properties", {}).items():
            if "example" in sub:
                yield f"components/{name}/{prop}", sub, sub["example"]
    for path, item in schema["paths"].items():
        for method, op in item.items():
            for parameter in op.get("parameters", []):
                if "example" in parameter:
                    yield f"{method} {path} {parameter['name']}", parameter["schema"], parameter["example"]
            bodies = [("request", op.get("requestBody", {}))]
            bodies += [(code, r) for code, r in op["responses"].items()]
            for code, body in bodies:
                for header, spec in body.get("headers", {}).items():
                    if "example" in spec:
                        yield f"{method} {path} {code} {header}", spec["schema"], spec["example"]
                for media_type, media in body.get("content", {}).items():
                    where = f"{method} {path} {code} {media_type}"
                    if "example" in media:
                        yield where, media.get("schema", {}), media["example"]
                    for label, example in media.get("examples", {}).items():
                        yield f"{where} {label}", media.get("schema", {}), example.get("value")


def test_response_headers_are_declared(schema):
    created = operation(schema, "/api/v1/risks/", "post")["responses"]["201"]["headers"]
    assert {"ETag", "Location", "Idempotent-Replayed"} <= set(created)
    assert created["Idempotent-Replayed"]["schema"]["enum"] == ["true"]
    got = operation(schema, "/api/v1/mitigations/{id}/", "get")["responses"]
    assert "ETag" in got["200"]["headers"] and "ETag" in got["304"]["headers"] and "content" not in got["304"]
    for path in ("/api/v1/systems/", "/api/v1/webhooks/", "/api/v1/connectors/", "/api/v1/systems/{system_pk}/flows/"):
        assert "Location" in operation(schema, path, "post")["responses"]["201"]["headers"], path
    privacy = operation(schema, "/api/v1/systems/{system_pk}/privacy/", "get")
    assert "ETag" in privacy["responses"]["200"]["headers"] and "304" in privacy["responses"]


def test_conditional_and_idempotency_headers_are_declared(schema):
    for path in ("/api/v1/risks/{id}/", "/api/v1/systems/{id}/", "/api/v1/webhooks/{id}/"):
        assert "If-None-Match" in header_params(operation(schema, path, "get")), path
        for method in ("patch", "put", "delete"):
            if_match = header_params(operation(schema, path, method))["If-Match"]
            pattern = if_match["schema"]["pattern"]
            assert jsonschema.Draft7Validator({"pattern": pattern}).is_valid('"12"')
            assert jsonschema.Draft7Validator({"pattern": pattern}).is_valid("*")
            assert not jsonschema.Draft7Validator({"pattern": pattern}).is_valid("12")
    assert header_params(operation(schema, "/api/v1/risks/{id}/", "patch"))["If-Match"]["required"] is True
    assert "If-Match" in header_params(operation(schema, "/api/v1/webhooks/{id}/rotate-secret/", "post"))
    examples = set()
    for path, item in schema["paths"].items():
        if "post" in item and path.startswith("/api/v1/") and not path.startswith("/api/v1/catalog/"):
            key = header_params(item["post"]).get("Idempotency-Key")
            assert key is not None, path
            assert key["schema"]["minLength"] == 1 and key["schema"]["maxLength"] == KEY_MAX_LENGTH
            examples.add(key["example"])
    assert len(examples) == 1 and "sync" not in next(iter(examples))  # a random value, not a name to copy


def test_page_size_is_bounded_and_servers_are_given(schema):
    sizes = [p["schema"] for item in schema["paths"].values() for op in item.values()
             for p in op.get("parameters", []) if p["name"] == "page_size"]
    assert len(sizes) > 10
    assert all(s == {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE} for s in sizes), sizes
    assert schema["servers"] and schema["servers"][0]["url"].startswith("http")
    page = schema["components"]["schemas"]["PaginatedRiskList"]
    assert page["properties"]["next_cursor"]["type"] == "string" and "next_cursor" in page["required"]


def test_no_nullable_without_a_type_and_answers_are_objects(schema):
    untyped = []

    def walk(node, where):
        if isinstance(node, dict):
            if "nullable" in node and "type" not in node:
                untyped.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(schema, "")
    assert not untyped, untyped
    components = schema["components"]["schemas"]
    for name in ("System", "ComponentRequest", "PatchedFlowRequest"):
        assert components[name]["properties"]["answers"]["type"] == "object", name
    privacy = components["PrivacyWriteRequest"]["properties"]
    assert privacy["processes_personal_data"] == {**privacy["processes_personal_data"], "type": "boolean",
                                                  "nullable": True}
    assert privacy["purposes"]["type"] == "array" and privacy["purposes"]["items"]["type"] == "object"
    assert privacy["regimes"]["items"]["type"] == "string" and privacy["dpia_criteria"]["type"] == "object"


def test_every_example_validates_against_its_schema(schema):
    definitions = {name: to_json_schema(c) for name, c in schema["components"]["schemas"].items()}
    bad, count = [], 0
    for where, sub, example in examples_in(schema):
        count += 1
        validator = jsonschema.Draft7Validator({**to_json_schema(sub), "definitions": definitions},
                                               format_checker=jsonschema.FormatChecker())
        error = next(iter(validator.iter_errors(example)), None)
        if error is not None:
            bad.append(f"{where}: {error.message[:120]} at {list(error.absolute_path)}")
    assert count > 200 and not bad, bad


def test_a_list_gives_the_bare_cursor_of_its_next_link(client_rw, register):
    first = client_rw.get("/api/v1/risks/?page_size=1").json()
    assert first["next_cursor"] and f"cursor={first['next_cursor']}" in first["next"].replace("%3D", "=")
    second = client_rw.get(f"/api/v1/risks/?page_size=1&cursor={first['next_cursor']}").json()
    assert second["results"][0]["id"] != first["results"][0]["id"]
    rows = client_rw.get(f"/api/v1/risks/?page_size={MAX_PAGE_SIZE}").json()
    assert rows["next"] is None and rows["next_cursor"] is None


def test_any_get_with_an_etag_answers_if_none_match(client_rw, register):
    system = register["system"]
    detail = client_rw.get(f"/api/v1/systems/{system.pk}/")
    etag = detail["ETag"]
    assert client_rw.get(f"/api/v1/systems/{system.pk}/", HTTP_IF_NONE_MATCH=f'"0", W/{etag}').status_code == 304
    assert client_rw.get(f"/api/v1/systems/{system.pk}/", HTTP_IF_NONE_MATCH='"999"').status_code == 200
    privacy = client_rw.get(f"/api/v1/systems/{system.pk}/privacy/")  # the base answers it after the view
    again = client_rw.get(f"/api/v1/systems/{system.pk}/privacy/", HTTP_IF_NONE_MATCH=privacy["ETag"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == privacy["ETag"]
    assert client_rw.get(f"/api/v1/systems/{system.pk}/privacy/", HTTP_IF_NONE_MATCH='"99"').status_code == 200


@pytest.mark.parametrize("key", ["   ", "k" * (KEY_MAX_LENGTH + 1)])
def test_idempotency_key_outside_its_declared_limits_is_a_400(client_rw, register, key):
    response = client_rw.post("/api/v1/risks/", {"system": register["system"].pk, "title": "Keyed"}, format="json",
                              HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]
