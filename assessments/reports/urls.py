"""Pages of the privacy assessment and the reports (one include in threatmodel/urls.py)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/status/", views.report_status, name="report_status"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("systems/<int:pk>/reports/", views.system_reports, name="system_reports"),
    path("systems/<int:pk>/reports/new/", views.report_create, name="report_create"),
    path("systems/<int:pk>/reports/preview/<slug:kind>/", views.report_preview, name="report_preview"),
    path("", include("assessments.privacy.urls")),
]
