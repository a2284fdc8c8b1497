"""The test plan download linked from a system's register page (JSON or CSV)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from threatmodel import selectors as tm_selectors

from .build import build_test_plan, test_plan_csv


def _filename(system, ext: str) -> str:
    return f"{system.slug or 'system'}-test-plan.{ext}"


@login_required
@require_GET
def system_test_plan(request, pk, fmt):
    system = tm_selectors.system_get(request.user, pk)
    if fmt not in ("json", "csv"):
        raise Http404("Unknown test plan format.")
    plan = build_test_plan(system)
    if fmt == "json":
        response = JsonResponse(plan, json_dumps_params={"indent": 2, "ensure_ascii": False})
    else:
        response = HttpResponse(test_plan_csv(plan), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(system, fmt)}"'
    return response
