"""Team settings: members and roles, API tokens (shown once) and webhooks with their deliveries, for
team owners."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .models import ApiToken, Invitation, Role, Webhook, WebhookDelivery
from .webhooks import services as webhook_services
from .webhooks.events import EVENT_TYPES


class InviteForm(forms.Form):
    """Invite by email. The answer is the same whether or not the address has an account: nothing here
    tells an owner which people or usernames exist."""

    email = forms.EmailField(max_length=254, help_text="They get a single-use link, valid for a few days.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CONTRIBUTOR)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="What the token is for, e.g. 'Jira sync'.")
    scopes = forms.MultipleChoiceField(choices=[("read", "read"), ("write", "write")], initial=["read"],
                                       widget=forms.CheckboxSelectMultiple)
    expires_at = forms.DateTimeField(required=False, help_text="Optional, e.g. 2027-01-31 00:00",
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class WebhookForm(forms.Form):
    url = forms.CharField(max_length=500, label="Endpoint URL",
                          help_text="An http(s) URL on a public address; every request is signed.")
    events = forms.MultipleChoiceField(choices=[(e, e) for e in EVENT_TYPES], widget=forms.CheckboxSelectMultiple,
                                       initial=["risk.created", "risk.updated", "mitigation.created",
                                                "mitigation.updated"])
    description = forms.CharField(max_length=200, required=False, help_text="What it is for, e.g. 'Jira sync'.")


def _form_errors(form, exc: ValidationError) -> None:
    for field, msgs in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, msgs)


def _owner_team(request, slug):
    team = selectors.team_get(request.user, slug)
    if not selectors.user_can(request.user, team, Role.OWNER):
        raise PermissionDenied("Only team owners can change team settings.")
    return team


@login_required
@require_http_methods(["GET", "POST"])
def team_settings(request, slug):
    team = selectors.team_get(request.user, slug)
    is_owner = selectors.user_can(request.user, team, Role.OWNER)
    member_form, token_form, new_token = InviteForm(prefix="m"), TokenForm(prefix="t"), None
    webhook_form, new_secret = WebhookForm(prefix="w"), None
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied("Only team owners can change team settings.")
        if "invite" in request.POST:
            member_form = InviteForm(request.POST, prefix="m")
            if member_form.is_valid():
                try:
                    services.invitation_create(actor=request.user, team=team, email=member_form.cleaned_data["email"],
                                               role=member_form.cleaned_data["role"],
                                               site_url=request.build_absolute_uri("/"))
                except ValidationError as exc:
                    _form_errors(member_form, exc)
                else:
                    messages.success(request, "Invitation sent. They join the team once they accept it.")
                    return redirect("team_settings", slug=team.slug)
        elif "create_webhook" in request.POST:
            webhook_form = WebhookForm(request.POST, prefix="w")
            if webhook_form.is_valid():
                d = webhook_form.cleaned_data
                try:
                    webhook, new_secret = webhook_services.webhook_create(
                        actor=request.user, team=team, url=d["url"], events=d["events"], description=d["description"])
                except ValidationError as exc:
                    _form_errors(webhook_form, exc)
                else:
                    new_secret = {"webhook": webhook, "secret": new_secret}
                    webhook_form = WebhookForm(prefix="w")
        elif "create_token" in request.POST:
            token_form = TokenForm(request.POST, prefix="t")
            if token_form.is_valid():
                d = token_form.cleaned_data
                try:
                    _, new_token = services.api_token_create(actor=request.user, team=team, user=request.user,
                                                             name=d["name"], scopes=d["scopes"],
                                                             expires_at=d["expires_at"])
                except ValidationError as exc:
                    for field, msgs in exc.message_dict.items():
                        token_form.add_error(field if field in token_form.fields else None, msgs)
                else:
                    token_form = TokenForm(prefix="t")
    tokens = selectors.team_tokens(team) if is_owner else []
    invitations = Invitation.objects.filter(team=team).order_by("-created_at")[:50] if is_owner else []
    webhooks = _webhooks_with_last_delivery(team) if is_owner else []
    return render(request, "threatmodel/team_settings.html", {
        "team": team, "is_owner": is_owner, "members": selectors.team_members(team), "tokens": tokens,
        "member_form": member_form, "token_form": token_form, "new_token": new_token, "roles": Role.choices,
        "webhooks": webhooks, "webhook_form": webhook_form, "new_secret": new_secret, "invitations": invitations,
    })


def _webhooks_with_last_delivery(team) -> list[Webhook]:
    webhooks = list(Webhook.objects.filter(team=team).order_by("id"))
    last = {}
    for d in WebhookDelivery.objects.filter(webhook__team=team).order_by("webhook_id", "-created_at", "-id"):
        last.setdefault(d.webhook_id, d)
        if len(last) == len(webhooks):
            break
    for w in webhooks:
        w.last_delivery = last.get(w.pk)
    return webhooks


@login_required
@require_POST
def member_role(request, slug, user_id):
    team = _owner_team(request, slug)
    membership = selectors.team_members(team).filter(user_id=user_id).first()
    if membership is None:
        raise PermissionDenied("No such member.")
    try:
        if request.POST.get("role") == "remove":
            services.membership_remove(actor=request.user, team=team, user=membership.user)
        else:
            services.membership_set(actor=request.user, team=team, user=membership.user, role=request.POST.get("role"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("team_settings", slug=team.slug)


@login_required
@require_POST
def invitation_revoke(request, slug, invitation_id):
    team = _owner_team(request, slug)
    invitation = Invitation.objects.filter(team=team, pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("team_settings", slug=team.slug)


@login_required
@require_POST
def token_revoke(request, slug, token_id):
    team = _owner_team(request, slug)
    token = ApiToken.objects.filter(team=team, pk=token_id).first()
    if token is None:
        raise PermissionDenied("No such token.")
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token '{token.name}' revoked.")
    return redirect("team_settings", slug=team.slug)


def _owner_webhook(request, slug, webhook_id):
    team = _owner_team(request, slug)
    webhook = Webhook.objects.filter(team=team, pk=webhook_id).first()
    if webhook is None:
        raise Http404("No such webhook.")
    return team, webhook


WEBHOOK_ACTIONS = ("pause", "resume", "rotate", "ping", "delete")


@login_required
@require_http_methods(["GET", "POST"])
def team_webhook(request, slug, webhook_id):
    """One webhook: its settings and every delivery (attempts, status, response code); owners only."""
    team, webhook = _owner_webhook(request, slug, webhook_id)
    new_secret = None
    if request.method == "POST":
        what = request.POST.get("action")
        if what not in WEBHOOK_ACTIONS:
            messages.error(request, "Unknown action.")
            return redirect("team_webhook", slug=team.slug, webhook_id=webhook.pk)
        try:
            if what in ("pause", "resume"):
                webhook_services.webhook_update(actor=request.user, webhook=webhook, active=what == "resume")
                messages.success(request, "Webhook resumed." if what == "resume" else "Webhook paused.")
            elif what == "rotate":
                webhook, new_secret = webhook_services.webhook_rotate_secret(actor=request.user, webhook=webhook)
            elif what == "ping":
                delivery = webhook_services.webhook_ping(actor=request.user, webhook=webhook)
                messages.success(request, f"Test event {delivery.event_id} queued.")
            else:
                webhook_services.webhook_delete(actor=request.user, webhook=webhook)
                messages.success(request, "Webhook deleted.")
                return redirect("team_settings", slug=team.slug)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        if new_secret is None:
            return redirect("team_webhook", slug=team.slug, webhook_id=webhook.pk)
        webhook.refresh_from_db()
    deliveries = WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at", "-id")[:100]
    return render(request, "threatmodel/webhook_detail.html", {
        "team": team, "webhook": webhook, "deliveries": deliveries, "new_secret": new_secret})


@login_required
@require_POST
def team_webhook_retry(request, slug, webhook_id, delivery_id):
    team, webhook = _owner_webhook(request, slug, webhook_id)
    delivery = WebhookDelivery.objects.filter(webhook=webhook, pk=delivery_id).first()
    if delivery is None:
        raise Http404("No such delivery.")
    try:
        webhook_services.delivery_retry(actor=request.user, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Delivery {delivery.pk} queued again.")
    return redirect("team_webhook", slug=team.slug, webhook_id=webhook.pk)
