"""The page behind an invitation link: see the team, then accept (logged in) or choose a username and
password (new here). An unknown, used, revoked or expired link says so, with a 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import services


class NewAccountForm(SetPasswordMixin, forms.Form):
    username = forms.CharField(max_length=150, help_text="How your team will see you.")
    password1, password2 = SetPasswordMixin.create_password_fields()

    def clean(self):
        self.validate_passwords()
        return super().clean()


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = services.invitation_open(token)
    if invitation is None:
        return render(request, "registration/invitation_invalid.html", {"title": "Invitation"}, status=404)
    form = None if request.user.is_authenticated else NewAccountForm(request.POST or None, prefix="n")
    if request.method == "POST":
        try:
            if form is None:
                services.invitation_accept(raw=token, user=request.user)
            elif form.is_valid():
                user = services.invitation_accept_new_account(raw=token, username=form.cleaned_data["username"],
                                                              password=form.cleaned_data["password1"])
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as exc:
            if form is None or not hasattr(exc, "error_dict"):
                messages.error(request, " ".join(exc.messages))
                return redirect("dashboard")
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
        if form is None or (form.is_valid() and not form.errors):
            messages.success(request, f"You joined {invitation.team.name}.")
            return redirect("dashboard")
    return render(request, "registration/invitation.html", {"invitation": invitation, "form": form,
                                                            "title": f"Join {invitation.team.name}"})
