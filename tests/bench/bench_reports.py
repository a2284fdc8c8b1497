"""Benchmark: the assurance report of a system with 500 risks and 300 mitigations.

- end to end: ``report_request`` (row, audit event, task queued on commit, run eagerly) until the PDF
  is stored with its SHA-256: content from the register, HTML, WeasyPrint (PDF/A-3b, tagged), storage;
- WeasyPrint alone on the same HTML with the same options: the anchor; the ratio end to end /
  WeasyPrint alone shows what the pipeline adds (target <= 1.3);
- peak memory: a fresh Python process renders one queued report (``report_render``) and reports its
  peak resident set size (``resource.getrusage``), Django and WeasyPrint imports included.

- the block-layout floor: WeasyPrint on the report's rows alone as bare blocks (``floor_html``); the ratio
  end to end / floor shows what the report's layout adds beyond the rows themselves.

Runs in a throwaway database on the configured engine (a file under var/bench for SQLite, a
``test_`` database for PostgreSQL), created and destroyed here. Targets: <= 3 s (issue 15),
<= 400 MB, ratio <= 1.3.
"""

import datetime
import json
import os
import random
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection

from tests.bench.common import size, throwaway_database

RISKS = size(500, 10)
MITIGATIONS = size(300, 5)
TARGET_SECONDS = 3.0
TARGET_MB = 400.0
TARGET_RATIO = 1.3
REPEATS = size(3, 1)


def build_register(seed: int = 7):
    """A team, two members and a system with RISKS risks and MITIGATIONS mitigations (bulk, not measured)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from assessments.models import Mitigation, Risk, Treatment
    from assessments.resuggest import resuggest_system
    from assessments.services.audit import AuditEntry, audit_record_many
    from catalog.models import ControlTemplate, ThreatTemplate
    from threatmodel.demo import build_support_assistant
    from threatmodel.models import Component, Membership, Team

    with open(os.devnull, "w") as null:
        call_command("load_catalog", quiet=True, stdout=null)
    rng = random.Random(seed)
    users = get_user_model()
    team = Team.objects.create(name="Bench reports", slug=f"bench-reports-{rng.randrange(10**9)}")
    owner = users.objects.create(username="olivia", first_name="Olivia", last_name="Owner")  # a fresh database
    approver = users.objects.create(username="arjun", first_name="Arjun", last_name="Approver")
    for user in (owner, approver):
        Membership.objects.create(team=team, user=user, role="owner")
    system = build_support_assistant(actor=owner, team=team)
    resuggest_system(system.pk)
    Risk.objects.filter(system=system).delete()
    kinds = ["input", "model", "output"]
    components = Component.objects.bulk_create([
        Component(system=system, kind=kinds[i % 3], name=f"Bench {kinds[i % 3]} {i}", position=10 + i,
                  answers={}) for i in range(12)])
    templates = list(ThreatTemplate.objects.filter(retired=False).order_by("ref"))
    today = datetime.date.today()
    statuses = ["suggested", "open", "open", "mitigating", "mitigating", "closed", "dismissed"]
    risks = []
    for i in range(RISKS):
        template = templates[i % len(templates)]
        component = components[(i // len(templates)) % len(components)]
        li, im = rng.randint(1, 5), rng.randint(1, 5)
        status = statuses[i % len(statuses)]
        accepted = i % 23 == 0 and status in ("open", "mitigating")
        risks.append(Risk(
            system=system, component=component, template=template, title=f"{template.title} ({i})",
            description=template.description, status=status,
            status_reason="Not applicable to this deployment" if status == "dismissed" else "",
            likelihood=li, impact=im, residual_likelihood=max(1, li - rng.randint(0, 2)),
            residual_impact=max(1, im - rng.randint(0, 1)), owner=owner if i % 3 else approver,
            due=today + datetime.timedelta(days=rng.randint(-40, 120)),
            treatment=Treatment.ACCEPT if accepted else rng.choice(["", "mitigate", "mitigate", "transfer"]),
            accepted_by=approver if accepted else None,
            acceptance_review_date=today + datetime.timedelta(days=rng.randint(-10, 180)) if accepted else None,
            acceptance_reason="Exposure limited to staff" if accepted else "",
            why=[{"fact": "bench"}], fingerprint=f"bench-{i}"))
    risks = Risk.objects.bulk_create(risks)
    controls = list(ControlTemplate.objects.filter(retired=False).order_by("ref"))
    mstatuses = ["proposed", "planned", "in_progress", "implemented", "verified", "verified", "rejected"]
    mitigations = Mitigation.objects.bulk_create([
        Mitigation(system=system, control=controls[i % len(controls)], title=controls[i % len(controls)].title,
                   description=controls[i % len(controls)].description, kind=controls[i % len(controls)].kind,
                   status=mstatuses[i % len(mstatuses)], owner=owner if i % 2 else approver,
                   status_reason="Replaced by a platform control" if mstatuses[i % len(mstatuses)] == "rejected"
                   else "", due=today + datetime.timedelta(days=rng.randint(-30, 90)),
                   evidence=f"Test run {i}: {controls[i % len(controls)].verification[:160]}",
                   evidence_links=[f"https://tickets.example.com/SEC-{1000 + i}"])
        for i in range(MITIGATIONS)])
    through = Mitigation.risks.through
    links = {(m.pk, r.pk) for m in mitigations for r in rng.sample(risks, k=rng.randint(1, 3))}
    through.objects.bulk_create([through(mitigation_id=m, risk_id=r) for m, r in sorted(links)])
    with transaction.atomic():
        audit_record_many(team=team, actor=owner, entries=[
            AuditEntry.for_object(obj, f"{obj._meta.model_name}.created", {"title": [None, obj.title]})
            for obj in [*risks, *mitigations]])
    return system, owner


def database_url() -> str:
    """The URL of the current (throwaway) database, for the memory probe's own process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


PROBE = """
import os, resource, sys, time
import django
django.setup()
from assessments.reports.services import report_render
start = time.perf_counter()
outcome = report_render(int(sys.argv[1]))
seconds = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print('{"outcome": "%s", "seconds": %.3f, "peak_mb": %.1f}' % (outcome, seconds, peak_kb / 1024))
"""


def memory_probe(report_id: int) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="config.settings",
               MEDIA_ROOT=str(settings.MEDIA_ROOT))
    env.pop("CELERY_BROKER_URL", None)
    done = subprocess.run([sys.executable, "-c", PROBE, str(report_id)], cwd=str(settings.BASE_DIR), env=env,
                          capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def floor_html(content: dict) -> str:
    """The block-layout floor: the report's long lists (risks, mitigations, subcategories) as plain one-paragraph
    blocks with the same stylesheet and nothing else: no cover, contents, charts or tables. What WeasyPrint
    needs at least to lay out that many rows; the real report can only add to it."""
    from django.utils.html import escape

    rows = [f"{r['ref']} {r['title']} — {r['component']} · {r['status_label']} · {r['likelihood']}×{r['impact']} "
            f"{r['band']} → {r['residual_band']} · {r['owner']} · {', '.join(r['mitigations'])}"
            for r in content["risks"]]
    rows += [f"{m['ref']} {m['title']} — {m['status_label']} · {m['owner']} · {m['evidence']}"
             for m in content["mitigations"]]
    rows += [f"{i['ref']} {i['title']} {i['status_label']} {i['reason']}" for i in content["nist"]["items"]]
    body = "".join(f'<p class="line b-low">{escape(row)}</p>' for row in rows)
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>floor</title>'
            '<link rel="stylesheet" href="/static/css/report.css"></head><body>'
            f'<div class="lines">{body}</div></body></html>')


def measure() -> dict:
    from django.core.files.storage import default_storage

    from assessments.models.reports import Report
    from assessments.reports.content import build_content, content_sha256
    from assessments.reports.render import render_html, render_pdf
    from assessments.reports.services import report_request

    system, owner = build_register()
    report_request(actor=owner, system=system, kind="assurance")  # warm-up: fonts, templates, catalog
    e2e, e2e_cpu, weasy, floor, report = [], [], [], [], None
    for _ in range(REPEATS):
        start, cpu = time.perf_counter(), time.process_time()
        report = report_request(actor=owner, system=system, kind="assurance", force=True)
        e2e.append(time.perf_counter() - start)
        e2e_cpu.append(time.process_time() - cpu)
        report.refresh_from_db()
        assert report.status == "done", report.error
        content = build_content("assurance", system, generated_by=owner)
        html = render_html(content, content_sha256=content_sha256(content))
        start = time.perf_counter()
        render_pdf(html)
        weasy.append(time.perf_counter() - start)
        blocks = floor_html(content)
        start = time.perf_counter()
        render_pdf(blocks)
        floor.append(time.perf_counter() - start)
    probe = Report.objects.create(system=system, kind="assurance", requested_by=owner)
    memory = memory_probe(probe.pk)
    for r in Report.objects.filter(system=system).exclude(file=""):
        default_storage.delete(r.file.name)
    return {"e2e": min(e2e), "e2e_cpu": min(e2e_cpu), "weasy": min(weasy), "floor": min(floor),
            "pages": report.pages, "size": report.size,
            "html_kb": len(html) / 1024, "memory": memory}


def run() -> list[dict]:
    from tests.bench.common import result

    with throwaway_database("bench_reports"):
        m = measure()
    size = f"{RISKS} risks, {MITIGATIONS} mitigations, {m['pages']} pages, {m['size'] // 1024} KB, {connection.vendor}"
    anchor = f"WeasyPrint alone on the same {m['html_kb']:.0f} KB of HTML (PDF/A-3b, tagged): {m['weasy']:.2f} s"
    ratio = m["e2e"] / m["weasy"]
    floor = f"block-layout floor (the same rows as bare blocks, same stylesheet): {m['floor']:.2f} s"
    side = (f"end to end {m['e2e']:.2f} s | WeasyPrint alone {m['weasy']:.2f} s (x{ratio:.2f}) | "
            f"block floor {m['floor']:.2f} s (x{m['e2e'] / m['floor']:.2f})")
    print(f"assurance report, one run: {side}")
    return [
        result(name=f"assurance report, request to stored PDF ({size}; best of {REPEATS}, "
                    f"{m['e2e_cpu']:.2f} s CPU)", value=round(m["e2e"], 2), unit="s",
               target=TARGET_SECONDS, anchor=anchor, anchor_value=m["weasy"]),
        result(name=f"assurance report, peak memory of a fresh render process ({m['memory']['outcome']}, "
                    f"{m['memory']['seconds']:.2f} s there)", value=m["memory"]["peak_mb"], unit="MB",
               target=TARGET_MB),
        result(name="assurance report, end to end / WeasyPrint alone", value=round(ratio, 3), unit="x",
               target=TARGET_RATIO, anchor=anchor),
        result(name=f"assurance report, end to end / block-layout floor ({side})", value=round(m["e2e"], 2),
               unit="s", target=TARGET_SECONDS, anchor=floor, anchor_value=m["floor"]),
    ]


if __name__ == "__main__":  # python -m tests.bench.bench_reports
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    for row in run():
        print(row)
