"""Pages of the privacy assessment and the reports (one include in threatmodel/urls.py)."""

from django.urls import include, path

from . import assurance_views, privacy_documents, views

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/status/", views.report_status, name="report_status"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("systems/<int:pk>/reports/", views.system_reports, name="system_reports"),
    path("systems/<int:pk>/reports/new/", views.report_create, name="report_create"),
    path("systems/<int:pk>/reports/preview/<slug:kind>/", views.report_preview, name="report_preview"),
    path("systems/<int:pk>/reports/scope/", assurance_views.assurance_scope_edit, name="assurance_scope_edit"),
    path("systems/<int:pk>/reports/scope/delete/", assurance_views.assurance_scope_delete,
         name="assurance_scope_delete"),
    path("teams/<slug:slug>/governance-evidence/", assurance_views.governance_evidence_list,
         name="governance_evidence_list"),
    path("teams/<slug:slug>/governance-evidence/new/", assurance_views.governance_evidence_new,
         name="governance_evidence_new"),
    path("teams/<slug:slug>/governance-evidence/<int:pk>/", assurance_views.governance_evidence_edit,
         name="governance_evidence_edit"),
    path("teams/<slug:slug>/governance-evidence/<int:pk>/delete/", assurance_views.governance_evidence_delete,
         name="governance_evidence_delete"),
    path("systems/<int:pk>/privacy/dpia.docx", privacy_documents.privacy_docx, name="privacy_docx"),
    path("teams/<slug:slug>/privacy/record.<slug:fmt>", privacy_documents.team_processing_record,
         name="team_processing_record"),
    path("", include("assessments.privacy.urls")),
]
