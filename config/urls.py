"""Root URLs: each app contributes its own pages; the project package only puts them together."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

handler500 = "threatmodel.middleware.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("assessments.workshop.urls")),  # the dashboard ("dashboard") and the workshop pages
    path("", include("threatmodel.urls")),  # health checks, teams, systems, components, flows
    path("catalog/", include("catalog.urls")),
    path("", include("assessments.urls")),
    path("", include("assessments.reports.urls")),  # privacy assessment and report pages
    path("", include("assessments.interop.urls")),  # import and export pages
    path("", include("assessments.testplan.urls")),  # a system's test plan (JSON, CSV)
    path("api/", include("config.api_urls")),
]
