"""Pages: upload a model, review the preview (confirm kinds, update or copy), import; download exports."""

import json
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from threatmodel import selectors as tm_selectors

from ..models import ImportStatus
from . import selectors, services, uploads
from .coverage_csv import coverage_csv_response
from .errors import ImportProblem
from .export import SCHEMA_NAME, export_filename, export_system
from .forms import ConfirmForm, UploadForm
from .limits import max_bytes
from .otm_export import export_otm

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / SCHEMA_NAME
RECENT = 20


def problem_text(problem: ImportProblem) -> str:
    return f"The file cannot be imported: {problem.message} (at {problem.path})."


@csrf_exempt  # checked by csrf_protect below, once the upload size limit is in place
@login_required
@require_http_methods(["GET", "POST"])
def import_home(request):
    limit = uploads.install(request) if request.method == "POST" else None
    return _import_home(request, limit)


@csrf_protect
def _import_home(request, limit):
    teams = selectors.teams_to_import_into(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, teams=teams)
    if request.method == "POST":
        if not teams:
            raise PermissionDenied("Importing needs the contributor role in a team.")
        if limit is not None and limit.exceeded:
            form.errors.clear()
            form.add_error("file", f"The file is larger than the limit of {max_bytes() / (1024 * 1024):g} MiB.")
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                record = services.import_preview(actor=request.user, team=form.cleaned_data["team"],
                                                 data=upload.read(), filename=upload.name,
                                                 forced_format=form.cleaned_data["format"] or None)
            except ImportProblem as problem:
                form.add_error("file", problem_text(problem))
            else:
                return redirect("import_detail", pk=record.pk)
    recent = list(selectors.imports_for(request.user).exclude(status=ImportStatus.DISCARDED)[:RECENT])
    systems = list(tm_selectors.systems_for(request.user).order_by("team__name", "name"))
    return render(request, "interop/home.html", {"form": form, "teams": teams, "recent": recent, "systems": systems},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request, pk):
    record = selectors.import_get(request.user, pk)
    if record.status != ImportStatus.PREVIEW:  # applying (the page refreshes itself), applied or discarded
        return render(request, "interop/result.html", {"record": record, "summary": record.summary or {}})
    try:
        staged = services.stage(record)
    except ImportProblem as problem:  # the catalog or the team changed since the upload
        messages.error(request, problem_text(problem))
        return redirect("import_home")
    preview = staged.as_dict()
    can_import = tm_selectors.user_can(request.user, record.team, "contributor")
    if request.method == "POST" and not can_import:
        raise PermissionDenied("Importing needs the contributor role in this team.")
    form = ConfirmForm(request.POST if request.method == "POST" else None, preview=preview)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record = services.import_confirm(actor=request.user, record=record, kinds=form.kinds(),
                                                 mode=form.cleaned_data.get("mode") or None)
            except ImportProblem as problem:
                form.add_error(None, problem_text(problem))
            except ValidationError as exc:
                form.add_error(None, "; ".join(exc.messages))
            else:
                if record.status == ImportStatus.APPLIED:
                    verb = "updated" if record.summary.get("mode") == "update" else "imported"
                    messages.success(request, f"'{record.system.name}' was {verb}. The catalog's AI threat "
                                              "suggestions are added in a moment.")
                    return redirect("workshop", pk=record.system_id)
                if record.status == ImportStatus.APPLYING:
                    return redirect("import_detail", pk=record.pk)
        status = 400
    # The last apply failed (in the background): nothing was written, the preview stands.
    apply_error = problem_text(ImportProblem(record.error.get("path", "$"), record.error.get("message", ""))) \
        if record.error else ""
    notes = preview["notes"]
    return render(request, "interop/preview.html", {
        "record": record, "preview": preview, "form": form, "can_import": can_import, "apply_error": apply_error,
        "notes_skipped": [n for n in notes if n["level"] == "skipped"],
        "notes_changed": [n for n in notes if n["level"] == "changed"],
        "notes_info": [n for n in notes if n["level"] == "info"],
        "kind_rows": list(zip(form.kind_fields(), preview["components"], strict=True)),
    }, status=status)


@login_required
@require_POST
def import_discard(request, pk):
    record = selectors.import_get(request.user, pk)
    try:
        services.import_discard(actor=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "The preview was discarded; nothing was imported.")
    return redirect("import_home")


@login_required
@require_GET
def system_export(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    fmt = request.GET.get("format", "json")
    if fmt == "otm":
        doc, filename = export_otm(system), export_filename(system, "otm.json")
    elif fmt == "json":
        doc = export_system(system, schema_url=request.build_absolute_uri(reverse("system_export_schema")))
        filename = export_filename(system)
    else:
        raise Http404("Unknown export format.")
    response = JsonResponse(doc, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def team_coverage_csv(request, slug):
    team = tm_selectors.team_get(request.user, slug)
    systems = list(tm_selectors.systems_for(request.user).filter(team=team).order_by("name"))
    return coverage_csv_response(systems, team.slug, request.GET.getlist("framework") or None)


@login_required
@require_GET
def system_coverage_csv(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    return coverage_csv_response([system], system.slug, request.GET.getlist("framework") or None)


@require_GET
@cache_control(public=True, max_age=3600)
def export_schema(request):
    """The published JSON Schema of the system export (public: it describes a format, not anyone's data)."""
    response = FileResponse(SCHEMA_PATH.open("rb"), content_type="application/schema+json")
    response["Content-Disposition"] = f'inline; filename="{SCHEMA_NAME}"'
    return response


def schema_document() -> dict:
    return json.loads(SCHEMA_PATH.read_text())
