"""Benchmark: one page of 100 risks from a register of 20,000, over the API.

Each risk carries what a sync client needs: framework mappings (its catalog template's, or two hand-made
ones), linked mitigations and external ticket references. Measured through the whole Django stack
(middleware, bearer token authentication, throttling, cursor pagination, serialization, JSON) with the
test client, walking `next` links page by page: p95 in ms per page (target <= 50 ms), in wall time and in
process CPU time (steadier on a shared machine; on SQLite the database work is in-process and counted,
on PostgreSQL it is not, so there the wall time is the figure that matters).

Anchor, side by side (requests interleaved, same token, same authentication): a bare DRF endpoint
returning the same 100 rows (the same keyset page) from `.values()` of the risk's own columns, with no
relations. The ratio ours / bare (p95 process CPU time) is printed (target <= 2x): what mappings,
mitigations, tickets, scores and the representation cost on top of reading the rows.

Runs in a throwaway database on the configured engine (tests/bench/common.throwaway_database).
"""

import random
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path
from rest_framework.views import APIView

from tests.bench.common import size

RISKS = size(20_000, 400)
SYSTEMS = size(20, 2)
MITIGATIONS = size(5_000, 40)
PAGE = 100
PAGES = size(120, 20)
TARGET_P95_MS = 50.0
TARGET_RATIO = 2.0


class BareRiskList(APIView):
    """The anchor: same authentication and keyset page (keys from the index in a subquery, one statement),
    rows straight from `.values()` with no relations and no serializer."""

    FIELDS = ("id", "updated_at", "system_id", "component_id", "title", "description", "status", "status_reason",
              "stale", "why", "likelihood", "impact", "residual_likelihood", "residual_impact", "treatment",
              "owner_id", "due", "version", "created_at")

    @property
    def throttle_classes(self):  # the same request budget check as the API (one cache read and write)
        from threatmodel.api.throttling import TokenRateThrottle

        return [TokenRateThrottle]

    def get(self, request):
        from assessments.models import Risk
        from threatmodel.api.pagination import SyncCursorPagination
        from threatmodel.selectors import team_ids_for

        qs = Risk.objects.filter(system__team_id__in=team_ids_for(request.user, request.auth))
        paginator = SyncCursorPagination()
        paginator.request, paginator.field, paginator.size = request, "updated_at", int(request.GET["page_size"])
        cursor = request.GET.get("cursor")
        if cursor:
            ts, pk = paginator._decode(cursor)
            qs = qs.filter(updated_at__gte=ts).exclude(updated_at=ts, pk__lte=pk)
        keys = qs.order_by("updated_at", "pk").values("pk")[: paginator.size + 1]  # same single statement as ours
        rows = sorted(Risk.objects.filter(pk__in=keys).values(*self.FIELDS), key=lambda r: (r["updated_at"], r["id"]))
        paginator.has_next = len(rows) > paginator.size
        rows = rows[: paginator.size]
        paginator.last = (rows[-1]["updated_at"], rows[-1]["id"]) if rows else None
        return paginator.get_paginated_response(rows)


urlpatterns = [
    path("bench/bare-risks/", BareRiskList.as_view()),
    path("", include("config.urls")),
]


def build_register(seed: int = 5):
    """20,000 risks in 20 systems, 5,000 mitigations, ~40k mappings, ~10k tickets (bulk, not measured)."""
    import os

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from assessments.models import ExternalRef, Mitigation, Risk
    from catalog.models import FrameworkItem, ThreatTemplate
    from threatmodel import services
    from threatmodel.models import AISystem, Membership, Team

    with open(os.devnull, "w") as null:
        call_command("load_catalog", quiet=True, stdout=null)
    rng = random.Random(seed)
    team = Team.objects.create(name="Bench API", slug=f"bench-api-{rng.randrange(10**9)}")
    owner = get_user_model().objects.create(username=f"bench-api-{team.pk}")
    Membership.objects.create(team=team, user=owner, role="owner")
    systems = AISystem.objects.bulk_create([AISystem(team=team, name=f"System {i}", slug=f"system-{i}")
                                            for i in range(SYSTEMS)])
    templates = list(ThreatTemplate.objects.all())
    items = list(FrameworkItem.objects.all()[:400])
    now = timezone.now()
    risks = Risk.objects.bulk_create([
        Risk(system=systems[i % SYSTEMS], template=templates[i % len(templates)] if i % 2 else None,
             title=f"Risk {i}", description="A threat identified on the system. " * 4,
             status=rng.choice(["open", "mitigating", "suggested"]), likelihood=rng.randint(1, 5),
             impact=rng.randint(1, 5), owner=owner if i % 3 == 0 else None,
             why=["input 'Customer chat' has untrusted_content = true"] if i % 2 else [])
        for i in range(RISKS)], batch_size=2000)
    through = Risk.custom_mappings.through
    through.objects.bulk_create([through(risk_id=r.pk, frameworkitem_id=items[(k * 7 + j) % len(items)].pk)
                                 for k, r in enumerate(risks) if r.template_id is None for j in range(2)],
                                batch_size=5000)
    mitigations = Mitigation.objects.bulk_create([
        Mitigation(system=systems[i % SYSTEMS], title=f"Mitigation {i}", status="planned")
        for i in range(MITIGATIONS)], batch_size=2000)
    by_system = {}
    for r in risks:
        by_system.setdefault(r.system_id, []).append(r.pk)
    links = Mitigation.risks.through
    link_rows = []
    for m in mitigations:
        for pk in rng.sample(by_system[m.system_id], 4):
            link_rows.append(links(mitigation_id=m.pk, risk_id=pk))
    links.objects.bulk_create(link_rows, batch_size=5000, ignore_conflicts=True)
    ExternalRef.objects.bulk_create([
        ExternalRef(team=team, risk_id=r.pk, tracker="jira", external_id=str(10000 + k), key=f"SEC-{k}",
                    url=f"https://jira.example.invalid/browse/SEC-{k}", remote_status="In Progress",
                    remote_updated_at=now)
        for k, r in enumerate(risks) if k % 2 == 0], batch_size=5000)
    _, raw = services.api_token_create(actor=owner, team=team, user=owner, name="bench", scopes=["read"])
    return raw


def _walk(client, first_url: str, headers: dict, pages: int, out: dict, queries: list | None = None) -> str:
    """Time `pages` consecutive pages (following `next`), wall and process CPU time; returns the next URL."""
    url = first_url
    for _ in range(pages):
        start, cpu = time.perf_counter(), time.process_time()
        if queries is not None:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, **headers)
            queries.append(len(ctx.captured_queries))
        else:
            response = client.get(url, **headers)
        out["wall"].append((time.perf_counter() - start) * 1000)
        out["cpu"].append((time.process_time() - cpu) * 1000)
        body = response.json()
        assert response.status_code == 200 and len(body["results"]) == PAGE, response.status_code
        url = body["next"] or first_url
    return url


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def measure() -> dict:
    from threatmodel.api.throttling import TokenRateThrottle

    raw = build_register()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    ours_url, bare_url = f"/api/v1/risks/?page_size={PAGE}", f"/bench/bare-risks/?page_size={PAGE}"
    saved = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = {"token": "1000000/min"}
    try:
        with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
            warm = {"wall": [], "cpu": []}
            _walk(client, ours_url, headers, 5, warm)  # warm up both paths
            _walk(client, bare_url, headers, 5, warm)
            ours, bare, queries = {"wall": [], "cpu": []}, {"wall": [], "cpu": []}, []
            for _ in range(PAGES // 10):  # interleave blocks of 10 pages, so both see the same machine
                ours_url = _walk(client, ours_url, headers, 10, ours, queries)
                bare_url = _walk(client, bare_url, headers, 10, bare)
    finally:
        TokenRateThrottle.THROTTLE_RATES = saved
    return {"ours": ours, "bare": bare, "queries": sorted(set(queries))}


def run() -> list[dict]:
    from tests.bench.common import result, throwaway_database

    with throwaway_database("bench_api") as where:
        m = measure()
    ours, bare = m["ours"], m["bare"]
    size = f"{PAGE} of {RISKS:,} risks with mappings, mitigations, tickets; {connection.vendor}"
    rows = []
    for clock, label in (("wall", "wall time"), ("cpu", "process CPU time")):
        anchor = (f"bare DRF endpoint, same {PAGE} rows from .values(), no relations: p95 {p95(bare[clock]):.1f} ms, "
                  f"median {statistics.median(bare[clock]):.1f} ms ({where})")
        rows.append(result(
            name=f"API risk list page, p95 {label} ({size}; median {statistics.median(ours[clock]):.1f} ms; "
                 f"{'/'.join(map(str, m['queries']))} queries per page)",
            value=round(p95(ours[clock]), 1), unit="ms", target=TARGET_P95_MS, anchor=anchor,
            anchor_value=p95(bare[clock])))
    rows.append(result(name="API risk list page: ratio to the bare .values() endpoint (p95 process CPU time)",
                       value=round(p95(ours["cpu"]) / p95(bare["cpu"]), 2), unit="x", target=TARGET_RATIO))
    return rows


if __name__ == "__main__":  # python -m tests.bench.bench_api
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    for row in run():
        print(row)
