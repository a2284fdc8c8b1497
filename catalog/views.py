"""Catalog pages: browse and search threats and controls, framework items and coverage. Read-only."""

from collections import OrderedDict

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render

from . import selectors
from .coverage import coverage_failures, coverage_from_db
from .engine.describe import describe_rule
from .forms import ControlFilterForm, ThreatFilterForm
from .models import ControlTemplate, FrameworkItem, ThreatTemplate
from .questions import Question

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _grouped_mappings(items) -> list[tuple[str, list]]:
    """[(framework name, [items])] in framework order, from prefetched mappings."""
    groups: OrderedDict[str, list] = OrderedDict()
    for item in items:
        groups.setdefault(item.framework.name, []).append(item)
    return list(groups.items())


@login_required
def threat_list(request):
    form = ThreatFilterForm(request.GET or None)
    page = _page(request, selectors.threat_list(**form.filters()))
    return render(request, "catalog/threat_list.html", {
        "form": form, "page": page, "query": _query_without_page(request), "release": selectors.latest_release(),
    })


@login_required
def threat_detail(request, ref):
    threat = selectors.threat_get(ref)
    questions = {(q.scope, q.key): Question(q.scope, q.key, q.label, q.help, q.type,
                                            tuple((c["value"], c["label"]) for c in q.choices))
                 for q in selectors.question_rows()}
    notes = threat.mapping_notes or {}
    items = list(threat.mappings.all())
    for item in items:
        item.note = notes.get(item.ref, "")

    def described(entries):
        return [{**e, "rule": describe_rule(e["when"], threat.applies_to, questions)} for e in entries or []]
    return render(request, "catalog/threat_detail.html", {
        "threat": threat,
        "rule": describe_rule(threat.rule, threat.applies_to, questions),
        "mappings": _grouped_mappings(items),
        "adjustments": described(threat.adjust), "in_place": described(threat.in_place),
    })


@login_required
def control_list(request):
    form = ControlFilterForm(request.GET or None)
    queryset = selectors.control_list(**form.filters()).annotate(
        threat_count=Count("threats", filter=Q(threats__retired=False)))
    return render(request, "catalog/control_list.html", {
        "form": form, "page": _page(request, queryset), "query": _query_without_page(request),
    })


@login_required
def control_detail(request, ref):
    control = selectors.control_get(ref)
    return render(request, "catalog/control_detail.html", {
        "control": control, "mappings": _grouped_mappings(control.mappings.all()),
    })


@login_required
def framework_detail(request, key):
    framework = selectors.framework_get(key)
    items = selectors.framework_items(framework).annotate(
        threat_count=Count("threats", filter=Q(threats__retired=False), distinct=True),
        control_count=Count("controls", filter=Q(controls__retired=False), distinct=True))
    return render(request, "catalog/framework_detail.html", {"framework": framework, "items": items})


@login_required
def coverage(request):
    release = selectors.latest_release()
    coverage = coverage_from_db() if release is not None else []
    subcategories = (
        FrameworkItem.objects.filter(framework__key="NIST-AI-RMF", retired=False)
        .select_related("parent__parent").order_by("position")
        .prefetch_related(
            Prefetch("threats", queryset=ThreatTemplate.objects.filter(retired=False).only("id", "ref", "title")
                     .order_by("ref")),
            Prefetch("controls", queryset=ControlTemplate.objects.filter(retired=False).only("id", "ref", "title")
                     .order_by("ref")))
    )
    functions: OrderedDict[str, dict] = OrderedDict()
    for item in subcategories:
        if item.kind == "function":
            functions.setdefault(item.ref, {"item": item, "categories": OrderedDict()})["item"] = item
        elif item.kind == "category" and item.parent is not None:
            fn = functions.setdefault(item.parent.ref, {"item": item.parent, "categories": OrderedDict()})
            fn["categories"].setdefault(item.ref, {"item": item, "subcategories": []})["item"] = item
        elif item.kind == "subcategory" and item.parent is not None and item.parent.parent is not None:
            fn = functions.setdefault(item.parent.parent.ref, {"item": item.parent.parent, "categories": OrderedDict()})
            cat = fn["categories"].setdefault(item.parent.ref, {"item": item.parent, "subcategories": []})
            cat["subcategories"].append(item)
    subcategory_count = sum(len(c["subcategories"]) for f in functions.values() for c in f["categories"].values())
    uncovered = sum(1 for f in functions.values() for c in f["categories"].values() for s in c["subcategories"]
                    if not s.threats.all() and not s.controls.all())
    return render(request, "catalog/coverage.html", {
        "release": release, "coverage": coverage, "failures": coverage_failures(coverage) if coverage else [],
        "functions": functions, "subcategory_count": subcategory_count, "uncovered_count": uncovered,
    })
