"""Reads of the catalog, with the prefetching that keeps query counts flat.

The catalog is shared reference data (not team data): any signed-in user may read all of it.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from .models import CatalogRelease, ControlTemplate, Framework, FrameworkItem, Question, ThreatTemplate

SCOPES_OF_THREATS = ("system", "input", "model", "output")


def _mapping_prefetch() -> Prefetch:
    return Prefetch("mappings", queryset=FrameworkItem.objects.select_related("framework").order_by(
        "framework__position", "position", "ref"))


def question_rows(scope: str | None = None) -> QuerySet[Question]:
    qs = Question.objects.order_by("position", "id")
    return qs.filter(scope=scope) if scope else qs


def latest_release() -> CatalogRelease | None:
    return CatalogRelease.objects.order_by("-id").first()


def _item_filter(prefix: str, framework: str | None, ref: str | None) -> Q:
    """Mapped to `framework` (key) and to item `ref` or one of its descendants (up to 2 levels)."""
    q = Q()
    if framework:
        q &= Q(**{f"{prefix}__framework__key": framework})
    if ref:
        q &= (Q(**{f"{prefix}__ref": ref}) | Q(**{f"{prefix}__parent__ref": ref})
              | Q(**{f"{prefix}__parent__parent__ref": ref}))
    return q


def threat_list(*, q: str = "", framework: str = "", ref: str = "", applies_to: str = "", category: str = "",
                include_retired: bool = False) -> QuerySet[ThreatTemplate]:
    qs = ThreatTemplate.objects.all()
    if not include_retired:
        qs = qs.filter(retired=False)
    if framework or ref:
        qs = qs.filter(pk__in=ThreatTemplate.objects.filter(_item_filter("mappings", framework, ref)).values("pk"))
    if applies_to:
        # applies_to is a short JSON list; JSON containment is not portable to SQLite, so match in Python.
        ids = [pk for pk, scopes in qs.values_list("pk", "applies_to") if applies_to in (scopes or [])]
        qs = qs.filter(pk__in=ids)
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(ref__icontains=q) | Q(title__icontains=q) | Q(description__icontains=q)
                       | Q(category__icontains=q))
    return qs.order_by("ref").prefetch_related(
        _mapping_prefetch(),
        Prefetch("controls", queryset=ControlTemplate.objects.only("id", "ref", "title").order_by("ref")),
    )


def threat_get(ref: str) -> ThreatTemplate:
    """A threat by ref, retired ones included (the register may point at them)."""
    threat = threat_list(include_retired=True).filter(ref=ref).first()
    if threat is None:
        raise Http404(f"No threat {ref}.")
    return threat


def control_list(*, q: str = "", framework: str = "", ref: str = "", kind: str = "",
                 include_retired: bool = False) -> QuerySet[ControlTemplate]:
    qs = ControlTemplate.objects.all()
    if not include_retired:
        qs = qs.filter(retired=False)
    if framework or ref:
        qs = qs.filter(pk__in=ControlTemplate.objects.filter(_item_filter("mappings", framework, ref)).values("pk"))
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(ref__icontains=q) | Q(title__icontains=q) | Q(description__icontains=q)
                       | Q(guidance__icontains=q))
    return qs.order_by("ref").prefetch_related(_mapping_prefetch())


def control_get(ref: str) -> ControlTemplate:
    control = control_list(include_retired=True).filter(ref=ref).prefetch_related(
        Prefetch("threats", queryset=ThreatTemplate.objects.filter(retired=False).only("id", "ref", "title")
                 .order_by("ref"))).first()
    if control is None:
        raise Http404(f"No control {ref}.")
    return control


def framework_list() -> QuerySet[Framework]:
    return Framework.objects.order_by("position", "key").annotate(
        item_count=Count("items", filter=Q(items__retired=False)))


def framework_get(key: str) -> Framework:
    framework = framework_list().filter(key=key).first()
    if framework is None:
        raise Http404(f"No framework {key}.")
    return framework


def framework_items(framework: Framework) -> QuerySet[FrameworkItem]:
    return (FrameworkItem.objects.filter(framework=framework, retired=False)
            .select_related("parent").order_by("position", "ref"))


def categories() -> list[str]:
    return list(ThreatTemplate.objects.filter(retired=False).order_by("category")
                .values_list("category", flat=True).distinct())


def release_list() -> QuerySet[CatalogRelease]:
    return CatalogRelease.objects.order_by("-id")
