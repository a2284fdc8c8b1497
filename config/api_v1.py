"""/api/v1/: every app contributes its routes here."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from assessments.api.assurance import AssuranceScopeViewSet, GovernanceEvidenceViewSet
from assessments.api.comments import MitigationCommentsViewSet, RiskCommentsViewSet
from assessments.api.diagram import SystemDiagramViewSet
from assessments.api.views import ExternalRefViewSet, MitigationViewSet, RiskViewSet
from assessments.connectors.api import ConnectorViewSet, MitigationTicketViewSet, RiskTicketViewSet
from assessments.interop.api import ImportViewSet, SystemExportViewSet
from assessments.privacy.api import PrivacyViewSet, TeamDpoViewSet
from assessments.reports.api import ReportViewSet, SystemReportsViewSet
from assessments.testplan.api import SystemTestPlanViewSet
from threatmodel.api import views, webhooks

router = SimpleRouter()
router.register("systems", views.SystemViewSet, basename="system")
router.register(r"systems/(?P<system_pk>\d+)/components", views.SystemComponentsViewSet, basename="system-components")
router.register(r"systems/(?P<system_pk>\d+)/flows", views.SystemFlowsViewSet, basename="system-flows")
router.register("components", views.ComponentViewSet, basename="component")
router.register("flows", views.FlowViewSet, basename="flow")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")
router.register("deletions", views.DeletionViewSet, basename="deletion")
router.register("risks", RiskViewSet, basename="risk")
router.register(r"risks/(?P<risk_pk>\d+)/comments", RiskCommentsViewSet, basename="risk-comments")
router.register(r"mitigations/(?P<mitigation_pk>\d+)/comments", MitigationCommentsViewSet,
                basename="mitigation-comments")
router.register("mitigations", MitigationViewSet, basename="mitigation")
router.register("external-refs", ExternalRefViewSet, basename="external-ref")
router.register("webhooks", webhooks.WebhookViewSet, basename="webhook")
router.register(r"webhooks/(?P<webhook_pk>\d+)/deliveries", webhooks.WebhookDeliveryViewSet,
                basename="webhook-delivery")
router.register(r"systems/(?P<system_pk>\d+)/reports", SystemReportsViewSet, basename="system-reports")
router.register("reports", ReportViewSet, basename="report")
router.register("imports", ImportViewSet, basename="import")
router.register("assurance-scopes", AssuranceScopeViewSet, basename="assurance-scope")
router.register("governance-evidence", GovernanceEvidenceViewSet, basename="governance-evidence")
router.register("connectors", ConnectorViewSet, basename="connector")
privacy = PrivacyViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"})
privacy_sign_off = PrivacyViewSet.as_view({"post": "sign_off"})
privacy_dpo_advice = PrivacyViewSet.as_view({"post": "dpo_advice"})
team_dpos = TeamDpoViewSet.as_view({"get": "list", "post": "create"})
system_export = SystemExportViewSet.as_view({"get": "export"})
system_diagram = SystemDiagramViewSet.as_view({"get": "diagram"})
system_test_plan = SystemTestPlanViewSet.as_view({"get": "plan"})

urlpatterns = [
    path("", include(router.urls)),
    path("mitigations/<int:pk>/ticket/", MitigationTicketViewSet.as_view({"post": "create"}), name="mitigation-ticket"),
    path("risks/<int:pk>/ticket/", RiskTicketViewSet.as_view({"post": "create"}), name="risk-ticket"),
    path("systems/<int:system_pk>/privacy/", privacy, name="system-privacy"),
    path("systems/<int:system_pk>/privacy/sign-off/", privacy_sign_off, name="system-privacy-sign-off"),
    path("systems/<int:system_pk>/privacy/dpo-advice/", privacy_dpo_advice, name="system-privacy-dpo-advice"),
    path("teams/<slug:team_slug>/dpos/", team_dpos, name="team-dpos"),
    path("systems/<int:system_pk>/export/", system_export, name="system-export"),
    path("systems/<int:system_pk>/diagram/", system_diagram, name="system-diagram"),
    path("systems/<int:system_pk>/test-plan/", system_test_plan, name="system-test-plan"),
    path("", include("catalog.api.urls")),
]
