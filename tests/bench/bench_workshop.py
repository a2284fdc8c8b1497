"""Benchmark: the workshop page of a big system, and the live-update poll.

Issue 6 targets: the workshop page of a system with 60 components and 400 risks renders (server time,
p95) in at most 150 ms; an unchanged live-update poll (ETag / If-None-Match, answered 304) in at most
10 ms. Measured through the whole Django stack (middleware, session, auth) with the test client, on
the configured database engine, in a throwaway database created and destroyed here (a file under
var/bench for SQLite). The register is realistic: engine suggestions trimmed to 400 risks, of which
some accepted, dismissed, mitigated, owned, and a few custom.

Anchors: the page of the 4-component demo chatbot (so the ratio shows what size costs), and
/healthz for the poll (the cost of any request through the same stack).
"""

import os
import statistics
import time

from django.db import connection

from tests.bench.common import size, throwaway_database

COMPONENTS = size(60, 12)
RISKS = size(400, 20)
PAGE_RUNS = size(60, 3)
POLL_RUNS = size(400, 5)
TARGET_PAGE_MS = 150.0
TARGET_POLL_MS = 10.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(fn, runs: int) -> tuple[list[float], list[float]]:
    """Wall and process-CPU milliseconds of `runs` calls."""
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return wall, cpu


def build(components: int = COMPONENTS, risks: int = RISKS):
    """The team, its facilitator, the big system (exactly `risks` risks) and the demo chatbot."""
    from django.core.management import call_command

    from assessments import services
    from assessments.models import Risk, RiskStatus
    from assessments.resuggest import resuggest_system
    from tests.factories import TeamFactory, big_system, member
    from threatmodel.demo import build_support_assistant
    from threatmodel.models import Role

    with open(os.devnull, "w") as null:
        call_command("load_catalog", quiet=True, stdout=null)
    team = TeamFactory(name="Bench workshop", slug="bench-workshop")
    owner = member(team, Role.OWNER, username="bench-facilitator")
    system = big_system(team, owner, components=components, seed=17, name="Bench system", accept=size(120, 10),
                        dismiss=size(30, 3), mitigate=size(40, 4), custom=min(10, components))
    extra = Risk.objects.filter(system=system).count() - risks
    if extra > 0:
        untouched = Risk.objects.filter(system=system, status=RiskStatus.SUGGESTED, acted_at__isnull=True,
                                        mitigations__isnull=True)
        doomed = list(untouched.order_by("-id").values_list("pk", flat=True)[:extra])
        Risk.objects.filter(pk__in=doomed).delete()
    for i in range(max(0, risks - Risk.objects.filter(system=system).count())):
        services.risk_create(actor=owner, system=system, title=f"Bench custom risk {i}", likelihood=1 + i % 5,
                             impact=1 + i % 4)
    demo = build_support_assistant(actor=owner, team=team)
    resuggest_system(demo.pk)
    return owner, system, demo


def measure() -> dict:
    from django.db import reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from assessments.models import Risk
    from threatmodel.models import Component

    owner, system, demo = build()
    client = Client()
    client.force_login(owner)
    page_url = reverse("workshop", args=[system.pk])
    demo_url = reverse("workshop", args=[demo.pk])
    live_url = reverse("workshop_live", args=[system.pk])

    for _ in range(5):
        assert client.get(page_url).status_code == 200
        client.get(demo_url)
    reset_queries()  # the log is also cleared at each request start: count from an empty one
    with CaptureQueriesContext(connection) as captured:
        size = len(client.get(page_url).content)
    page_queries = list(captured.captured_queries)  # a view of the log: copy it before the next request
    page_wall, page_cpu = timed(lambda: client.get(page_url), PAGE_RUNS)
    demo_wall, _ = timed(lambda: client.get(demo_url), PAGE_RUNS // 2)

    etag = client.get(live_url)["ETag"]
    headers = {"HTTP_IF_NONE_MATCH": etag}
    for _ in range(20):
        assert client.get(live_url, **headers).status_code == 304
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        client.get(live_url, **headers)
    poll_queries = list(captured.captured_queries)
    poll_wall, poll_cpu = timed(lambda: client.get(live_url, **headers), POLL_RUNS)
    health_wall, _ = timed(lambda: client.get("/healthz"), POLL_RUNS // 2)

    # the first poll after someone else's change: the changed regions, rendered out of band
    from assessments import services

    changed = []
    risk = Risk.objects.filter(system=system, status="open").order_by("id").first()
    for level in (1, 2, 3, 4, 5, 1, 2, 3):
        risk = services.risk_update(actor=owner, risk=risk, likelihood=level)
        start = time.perf_counter()
        response = client.get(live_url, **headers)
        changed.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
        headers["HTTP_IF_NONE_MATCH"] = response["ETag"]
    own = [q for q in poll_queries if "django_session" not in q["sql"]
           and "auth_user" not in q["sql"]]
    return {
        "page_p95": p95(page_wall), "page_median": statistics.median(page_wall), "page_cpu_p95": p95(page_cpu),
        "demo_p95": p95(demo_wall), "page_queries": len(page_queries), "page_kb": size / 1024,
        "poll_p95": p95(poll_wall), "poll_median": statistics.median(poll_wall), "poll_cpu_p95": p95(poll_cpu),
        "poll_queries": len(poll_queries), "poll_own_queries": len(own),
        "health_p95": p95(health_wall), "changed_median": statistics.median(changed),
        "components": Component.objects.filter(system=system).count(),
        "risks": Risk.objects.filter(system=system).count(),
    }


def run() -> list[dict]:
    from tests.bench.common import result

    with throwaway_database("bench_workshop") as where:
        m = measure()
    size = f"{m['components']} components, {m['risks']} risks"
    return [
        result(name=f"workshop page p95, {size} (median {m['page_median']:.1f} ms, CPU p95 {m['page_cpu_p95']:.1f} ms,"
                    f" {m['page_queries']} queries, {m['page_kb']:.0f} KB; {where})",
               value=round(m["page_p95"], 1), unit="ms", target=TARGET_PAGE_MS,
               anchor=f"the demo chatbot's workshop page (4 components), p95 {m['demo_p95']:.1f} ms",
               anchor_value=m["demo_p95"]),
        result(name=f"workshop live poll, unchanged (304) p95 (median {m['poll_median']:.2f} ms, CPU p95 "
                    f"{m['poll_cpu_p95']:.2f} ms, {m['poll_own_queries']} query of its own + "
                    f"{m['poll_queries'] - m['poll_own_queries']} session/auth)",
               value=round(m["poll_p95"], 2), unit="ms", target=TARGET_POLL_MS,
               anchor=f"GET /healthz through the same stack, p95 {m['health_p95']:.2f} ms",
               anchor_value=m["health_p95"]),
        result(name=f"workshop live poll after a change (changed regions out of band), median, {size}",
               value=round(m["changed_median"], 1), unit="ms", target=TARGET_PAGE_MS,
               anchor=f"the workshop page itself, p95 {m['page_p95']:.1f} ms", anchor_value=m["page_p95"]),
    ]


if __name__ == "__main__":  # python -m tests.bench.bench_workshop
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from tests.bench.common import table

    print(table(run()))
