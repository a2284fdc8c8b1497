"""Benchmark: re-suggesting a 200-component system, end to end, on the configured database.

End to end = what the Celery task does: read the system's model, evaluate the whole catalog,
re-suggest: update the register (insert the new suggestions), append one chained audit event per change,
commit. Measured on an empty register (every suggestion is new: the worst case), with nothing
changed (the common case: a task delivered twice, or a change that moves no threat), and after
one component changed. The compiled catalog is warm (a worker compiles it once per release).

Runs in a throwaway database on the configured engine (a file under var/bench for SQLite, a
`test_` database for PostgreSQL), created and destroyed here; or, when called inside an existing
test database, in a transaction rolled back at the end. Targets from issue 4: <= 1 s end to end,
<= 0.2 s for a no-op. Anchor: `catalog.engine.evaluate()` alone on the same facts, so the ratio
shows what the register adds on top of the engine.
"""

import random
import statistics
import time

from django.db import connection

from tests.bench.common import size, throwaway_database

COMPONENTS = size(200, 12)
TARGET_FULL_S = 1.0
TARGET_NOOP_S = 0.2
KIND_WEIGHTS = (("input", 0.4), ("model", 0.2), ("output", 0.4))
REPEATS = size(3, 1)


def _answers(rng: random.Random, questions, answered: float = 0.75) -> dict:
    out = {}
    for q in questions:
        if rng.random() > answered:
            continue
        if q.type == "bool":
            out[q.key] = rng.random() < 0.5
        elif q.type == "choice":
            out[q.key] = rng.choice(q.choices)[0]
        else:
            out[q.key] = [v for v, _ in rng.sample(q.choices, k=rng.randint(1, min(3, len(q.choices))))]
    return out


def build_system(catalog, n: int = COMPONENTS, seed: int = 11):
    """A team, an owner and an AI system of n components with flows, written in bulk (not measured)."""
    from django.contrib.auth import get_user_model

    from threatmodel.models import AISystem, Component, DataFlow, Membership, Team

    rng = random.Random(seed)
    by_scope: dict[str, list] = {}
    for (scope, _key), q in catalog.questions.items():
        by_scope.setdefault(scope, []).append(q)
    team = Team.objects.create(name="Bench team", slug=f"bench-register-{rng.randrange(10**9)}")
    user = get_user_model().objects.create(username=f"bench-{team.slug}")
    Membership.objects.create(team=team, user=user, role="owner")
    system = AISystem.objects.create(team=team, name="Bench system", slug="bench-system",
                                     answers=_answers(rng, by_scope["system"]))
    kinds = rng.choices([k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS], k=n)
    components = Component.objects.bulk_create([
        Component(system=system, kind=kind, name=f"{kind} {i}", answers=_answers(rng, by_scope[kind]), position=i)
        for i, kind in enumerate(kinds)])
    models = [c for c in components if c.kind == "model"] or components[:1]
    flows = []
    for c in components:
        if c.kind == "input":
            pairs = [(c, t) for t in rng.sample(models, k=min(len(models), rng.randint(1, 2)))]
        elif c.kind == "output":
            pairs = [(rng.choice(models), c) for _ in range(rng.randint(1, 2))]
        else:
            continue
        flows += [DataFlow(system=system, source=s, target=t, answers=_answers(rng, by_scope["flow"]))
                  for s, t in pairs if s.pk != t.pk]
    DataFlow.objects.bulk_create(flows)
    return system, len(flows)


def _reset_register(system) -> None:
    """Empty the register and the team's audit chain (not measured), for another cold run."""
    from assessments.models import Risk, SystemReviewState
    from threatmodel.models import AuditEvent, Tombstone

    Risk.objects.filter(system=system).delete()
    SystemReviewState.objects.filter(system=system).delete()
    AuditEvent.objects.filter(team=system.team).delete()
    Tombstone.objects.filter(team=system.team).delete()


def measure(repeats: int = REPEATS) -> dict:
    from django.core.management import call_command

    from assessments.resuggest import resuggest_system, system_facts
    from catalog.engine import current_catalog, evaluate
    from threatmodel.audit import audit_verify
    from threatmodel.models import AISystem, Component

    with open("/dev/null", "w") as null:
        call_command("load_catalog", quiet=True, stdout=null)
    catalog = current_catalog()  # warm: compiled once per release
    system, flow_count = build_system(catalog)

    components, flows = system_facts(system)
    evaluate_times = []
    for _ in range(5):
        start = time.perf_counter()
        matches = evaluate(catalog, system.answers, components, flows)
        evaluate_times.append(time.perf_counter() - start)

    full_times, created = [], 0
    for i in range(repeats):
        if i:
            _reset_register(system)
        start = time.perf_counter()
        result = resuggest_system(system.pk, catalog=current_catalog())
        full_times.append(time.perf_counter() - start)
        created = len(result.created)
    assert created == len(matches), (created, len(matches))
    assert audit_verify(team=system.team).ok

    noop_times = []
    for _ in range(5):
        start = time.perf_counter()
        result = resuggest_system(system.pk, catalog=current_catalog())
        noop_times.append(time.perf_counter() - start)
        assert not result.changed

    # One component's answers change: some suggestions appear, some go.
    rng = random.Random(5)
    target = Component.objects.filter(system=system, kind="model").order_by("id").first()
    change_times = []
    for _ in range(repeats):
        answers = dict(target.answers)
        answers["tool_access"] = not answers.get("tool_access", False)
        answers["model_type"] = rng.choice(["llm", "classifier", "vision"])
        Component.objects.filter(pk=target.pk).update(answers=answers)
        target.answers = answers
        start = time.perf_counter()
        resuggest_system(system.pk, catalog=current_catalog())
        change_times.append(time.perf_counter() - start)

    return {
        "evaluate": min(evaluate_times), "full": min(full_times), "full_median": statistics.median(full_times),
        "noop": min(noop_times), "noop_median": statistics.median(noop_times), "change": min(change_times),
        "matches": len(matches), "flows": flow_count, "threats": len(catalog.threats),
        "system": AISystem.objects.filter(pk=system.pk).values_list("pk", flat=True).first(),
    }


def run() -> list[dict]:
    from tests.bench.common import result

    with throwaway_database("bench_register") as where:
        m = measure()
    anchor = (f"catalog evaluate() alone on the same facts: {m['evaluate'] * 1000:.1f} ms "
              f"({m['threats']} threats, {COMPONENTS} components, {m['flows']} flows; {where})")
    size = f"{COMPONENTS} components, {m['matches']} suggestions, {connection.vendor}"
    return [
        result(name=f"register re-suggest end to end, empty register ({size}; median {m['full_median']:.3f} s)",
               value=round(m["full"], 3), unit="s", target=TARGET_FULL_S, anchor=anchor, anchor_value=m["evaluate"]),
        result(name=f"register re-suggest, nothing changed ({size}; median {m['noop_median']:.3f} s)",
               value=round(m["noop"], 3), unit="s", target=TARGET_NOOP_S, anchor=anchor, anchor_value=m["evaluate"]),
        result(name=f"register re-suggest after one model component changed ({size})",
               value=round(m["change"], 3), unit="s", target=TARGET_FULL_S, anchor=anchor,
               anchor_value=m["evaluate"]),
    ]


if __name__ == "__main__":  # python -m tests.bench.bench_register
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    for row in run():
        print(row)
