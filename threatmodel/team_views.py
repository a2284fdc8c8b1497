"""Team settings: members and roles, API tokens (shown once), for team owners."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .models import ApiToken, Role


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CONTRIBUTOR)

    def clean_username(self):
        username = self.cleaned_data["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise ValidationError(f"No user is called '{username}'.")
        return user


class TokenForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="What the token is for, e.g. 'Jira sync'.")
    scopes = forms.MultipleChoiceField(choices=[("read", "read"), ("write", "write")], initial=["read"],
                                       widget=forms.CheckboxSelectMultiple)
    expires_at = forms.DateTimeField(required=False, help_text="Optional, e.g. 2027-01-31 00:00",
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


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
    member_form, token_form, new_token = MemberForm(prefix="m"), TokenForm(prefix="t"), None
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied("Only team owners can change team settings.")
        if "add_member" in request.POST:
            member_form = MemberForm(request.POST, prefix="m")
            if member_form.is_valid():
                try:
                    services.membership_set(actor=request.user, team=team, user=member_form.cleaned_data["username"],
                                            role=member_form.cleaned_data["role"])
                except ValidationError as exc:
                    member_form.add_error(None, exc.messages)
                else:
                    messages.success(request, "Member saved.")
                    return redirect("team_settings", slug=team.slug)
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
    tokens = ApiToken.objects.filter(team=team).select_related("user") if is_owner else []
    return render(request, "threatmodel/team_settings.html", {
        "team": team, "is_owner": is_owner, "members": selectors.team_members(team), "tokens": tokens,
        "member_form": member_form, "token_form": token_form, "new_token": new_token, "roles": Role.choices,
    })


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
def token_revoke(request, slug, token_id):
    team = _owner_team(request, slug)
    token = ApiToken.objects.filter(team=team, pk=token_id).first()
    if token is None:
        raise PermissionDenied("No such token.")
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token '{token.name}' revoked.")
    return redirect("team_settings", slug=team.slug)
