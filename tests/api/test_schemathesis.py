"""Property-based testing of the whole API from its own OpenAPI schema (schemathesis 4, Python API).

Every operation in /api/schema/ gets generated requests (valid ones, checked against the schema, and
invalid ones), authenticated with a write token of a team that has a real register; path ids are
sometimes those of existing objects so the generated writes reach the services. Zero 5xx and no
response that contradicts the schema. Bounded in `make test` (SCHEMATHESIS_EXAMPLES, below); `make fuzz` goes deeper.
"""

import logging
import os
import time

import pytest
import schemathesis
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assessments import services as reg
from threatmodel import services as tm
from threatmodel.webhooks.services import webhook_create

from ..factories import make_support_system

# Examples per operation and mode. 12 valid and 6 invalid in `make test` (some 1,200 requests; half the CPU
# goes to generating them); `make fuzz` runs 100 and 50, the deeper run to use before a release or after an
# API change.
POSITIVE_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
NEGATIVE_EXAMPLES = max(4, POSITIVE_EXAMPLES // 2)
# The operations are shared out over SHARDS tests so that parallel workers (pytest-xdist) split the run; each
# shard sets up its own world. Not in the "commits" group (tests/conftest.py): each worker has its own database.
SHARDS = 4
pytestmark = pytest.mark.commits_in_parallel
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


class _Null:
    def write(self, *_args, **_kwargs):
        return 0

    def flush(self):
        return None


@pytest.fixture
def world(transactional_db, team, owner, monkeypatch):
    from threatmodel.api.throttling import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "100000/min"})
    logging.getLogger("django.request").setLevel(logging.ERROR)  # thousands of expected 4xx
    call_command("load_catalog", quiet=True, stdout=_Null())
    system = make_support_system(team, owner)
    risk = reg.risk_create(actor=owner, system=system, title="Custom", mappings=["NIST-AI-RMF:MEASURE 2.7"])
    mitigation = reg.mitigation_create(actor=owner, system=system, title="Mitigate", risks=[risk])
    reg.external_ref_set(actor=owner, target=mitigation, tracker="jira", external_id="1", key="SEC-1")
    webhook, _ = webhook_create(actor=owner, team=team, url="http://127.0.0.1:9/hook", events=["*"])
    _, raw = tm.api_token_create(actor=owner, team=team, user=owner, name="fuzz", scopes=["read", "write"])
    component = system.components.first()
    ids = {"id": [system.pk, risk.pk, mitigation.pk, component.pk, webhook.pk],
           "system_pk": [system.pk], "webhook_pk": [webhook.pk], "ref": ["AI-IN-001", "CTL-001"],
           "key": ["NIST-AI-RMF"]}
    return {"token": raw, "ids": ids}


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def _strategies(operation, mode, known: dict) -> list:
    """Generated cases, plus (for operations with path ids) cases aimed at objects that exist."""
    strategies = [operation.as_strategy(generation_mode=mode)]
    if known:
        paths = st.builds(dict, **{name: st.sampled_from(values) for name, values in known.items()})
        strategies.append(paths.flatmap(lambda path: operation.as_strategy(generation_mode=mode,
                                                                           path_parameters=path)))
    return strategies


def _runner(strategies, examples, checks, headers, label, counts):
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(strategies))
    def run(case):
        counts["examples"] += 1
        try:
            case.call_and_validate(headers=headers, checks=checks)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises its own failure types
            raise AssertionError(f"{label}: {exc}") from exc

    return run


@pytest.mark.parametrize("shard", range(SHARDS))
def test_the_api_survives_its_own_schema(world, shard):
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    headers = {"Authorization": f"Bearer {world['token']}"}
    failures, counts, started = [], {"operations": 0, "examples": 0}, time.monotonic()

    operations = list(_operations(schema))
    for operation in operations[shard::SHARDS]:
        counts["operations"] += 1
        names = [p.name for p in operation.path_parameters]
        known = {n: world["ids"].get(n, [1]) for n in names}
        for mode, examples in ((GenerationMode.POSITIVE, POSITIVE_EXAMPLES), (GenerationMode.NEGATIVE,
                                                                                 NEGATIVE_EXAMPLES)):
            strategies = _strategies(operation, mode, known)
            checks = CHECKS if mode == GenerationMode.POSITIVE else [not_a_server_error]

            run = _runner(strategies, examples, checks, headers, operation.label, counts)
            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failures, fail once
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
    elapsed = time.monotonic() - started
    print(f"schemathesis shard {shard}: {counts['operations']} of {len(operations)} operations, "
          f"{counts['examples']} examples in {elapsed:.0f} s")
    assert not failures, "\n\n".join(failures)
    # No wall-clock bound here: on a loaded 2-core machine the time says nothing about the API.
    assert len(operations) >= 40
    assert counts["operations"] == len(operations[shard::SHARDS])
