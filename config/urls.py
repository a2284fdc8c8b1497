"""Root URLs: each app contributes its own pages; the project package only puts them together."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

handler500 = "threatmodel.middleware.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's own password change and reset views; reset mail goes through the configured EMAIL_BACKEND.
    path("accounts/password/", auth_views.PasswordChangeView.as_view(
        template_name="registration/account_form.html", extra_context={"title": "Change your password"}),
        name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="registration/account_message.html",
        extra_context={"title": "Password changed", "message": "Your password was changed."}),
        name="password_change_done"),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(
        template_name="registration/account_form.html", extra_context={"title": "Reset your password"}),
        name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="registration/account_message.html", extra_context={
            "title": "Check your mail", "message": "If an account has this address, a link to set a new password "
                                                   "is on its way."}), name="password_reset_done"),
    path("accounts/password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="registration/account_form.html", extra_context={"title": "Choose a new password"}),
        name="password_reset_confirm"),
    path("accounts/password/reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="registration/account_message.html",
        extra_context={"title": "Password set", "message": "Your new password is set; you can log in."}),
        name="password_reset_complete"),
    path("", include("assessments.workshop.urls")),  # the dashboard ("dashboard") and the workshop pages
    path("", include("threatmodel.urls")),  # health checks, teams, systems, components, flows
    path("catalog/", include("catalog.urls")),
    path("", include("assessments.urls")),
    path("", include("assessments.reports.urls")),  # privacy assessment and report pages
    path("", include("assessments.interop.urls")),  # import and export pages
    path("", include("assessments.connectors.urls")),  # inbound tracker webhooks and the connectors page
    path("", include("assessments.testplan.urls")),  # a system's test plan (JSON, CSV)
    path("api/", include("config.api_urls")),
]
