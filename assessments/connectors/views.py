"""The team's ticket connectors page (owners): add, see health, replace a failing token, sync, remove."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from threatmodel import selectors as tm_selectors
from threatmodel.models import Role

from ..models import Connector
from . import http, services
from .forms import ConnectorForm, TokenReplaceForm
from .tickets import connector_sync


def _owner_team(request, slug):
    team = tm_selectors.team_get(request.user, slug)
    if not tm_selectors.user_can(request.user, team, Role.OWNER):
        raise PermissionDenied("Only team owners can manage ticket connectors.")
    return team


def _form_errors(form, exc: ValidationError) -> None:
    for field, msgs in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, msgs)


@login_required
@require_http_methods(["GET", "POST"])
def team_connectors(request, slug):
    team = _owner_team(request, slug)
    form = ConnectorForm(prefix="c")
    if request.method == "POST":
        form = ConnectorForm(request.POST, prefix="c")
        if form.is_valid():
            try:
                services.connector_create(actor=request.user, team=team, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "Connector added.")
                return redirect("team_connectors", slug=team.slug)
    connectors = Connector.objects.filter(team=team).order_by("id")
    return render(request, "assessments/connectors/page.html", {
        "team": team, "connectors": connectors, "form": form, "token_form": TokenReplaceForm(prefix="r")})


def _connector(request, slug, pk) -> Connector:
    team = _owner_team(request, slug)
    return get_object_or_404(Connector, pk=pk, team=team)


@login_required
@require_POST
def connector_token(request, slug, pk):
    connector = _connector(request, slug, pk)
    form = TokenReplaceForm(request.POST, prefix="r")
    if form.is_valid():
        try:
            services.connector_update(actor=request.user, connector=connector, token=form.cleaned_data["token"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Token replaced.")
    else:
        messages.error(request, "Give the new token.")
    return redirect("team_connectors", slug=slug)


@login_required
@require_POST
def connector_sync_now(request, slug, pk):
    connector = _connector(request, slug, pk)
    try:
        result = connector_sync(connector_id=connector.pk)
    except http.RemoteError as exc:
        messages.error(request, f"Sync failed: {exc}")
    else:
        messages.success(request, f"Checked {result.checked} tickets: {result.applied} applied, "
                                  f"{result.conflicts} conflicts, {result.missing} missing.")
    return redirect("team_connectors", slug=slug)


@login_required
@require_POST
def connector_delete(request, slug, pk):
    connector = _connector(request, slug, pk)
    services.connector_delete(actor=request.user, connector=connector)
    messages.success(request, "Connector removed; its tickets' references stay on the mitigations.")
    return redirect("team_connectors", slug=slug)
