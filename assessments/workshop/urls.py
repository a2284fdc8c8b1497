"""Routes of the workshop and the team dashboard (included at the site root by config.urls)."""

from django.urls import path

from .gone import gone_aware
from .views import comments, dashboard, export, mitigations, model, order, page, risks, triage

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("systems/<int:pk>/workshop/", page.workshop, name="workshop"),
    path("systems/<int:pk>/workshop/live/", page.live, name="workshop_live"),
    path("systems/<int:pk>/workshop/diagram.<str:fmt>", export.diagram_export, name="workshop_diagram_export"),
    path("systems/<int:pk>/workshop/presence/", page.heartbeat, name="workshop_presence"),
    path("systems/<int:pk>/workshop/leave/", page.leave, name="workshop_leave"),
    path("systems/<int:pk>/workshop/system/", model.system_questions, name="workshop_system_questions"),
    path("systems/<int:pk>/workshop/components/new/", model.component_new, name="workshop_component_new"),
    path("systems/<int:pk>/workshop/flows/new/", model.flow_new, name="workshop_flow_new"),
    path("systems/<int:pk>/workshop/risks/new/", risks.risk_new, name="workshop_risk_new"),
    path("systems/<int:pk>/workshop/triage/", triage.triage, name="workshop_triage"),
    path("systems/<int:pk>/workshop/reorder/", order.lane_reorder, name="workshop_lane_reorder"),
    path("systems/<int:pk>/workshop/triage/undo/", triage.triage_undo, name="workshop_triage_undo"),
    path("workshop/components/<int:pk>/", gone_aware("component", model.component_edit), name="workshop_component"),
    path("workshop/components/<int:pk>/delete/", gone_aware("component", model.component_delete),
         name="workshop_component_delete"),
    path("workshop/flows/<int:pk>/", gone_aware("flow", model.flow_edit), name="workshop_flow"),
    path("workshop/flows/<int:pk>/delete/", gone_aware("flow", model.flow_delete), name="workshop_flow_delete"),
    path("workshop/risks/<int:pk>/", gone_aware("risk", risks.risk_card), name="workshop_risk"),
    path("workshop/risks/<int:pk>/transition/", gone_aware("risk", risks.risk_transition),
         name="workshop_risk_transition"),
    path("workshop/risks/<int:pk>/dismiss/", gone_aware("risk", risks.risk_dismiss), name="workshop_risk_dismiss"),
    path("workshop/risks/<int:pk>/edit/", gone_aware("risk", risks.risk_edit), name="workshop_risk_edit"),
    path("workshop/risks/<int:pk>/mitigate/", gone_aware("risk", risks.risk_mitigate), name="workshop_risk_mitigate"),
    path("workshop/risks/<int:pk>/comments/", gone_aware("risk", comments.risk_comments),
         name="workshop_risk_comments"),
    path("workshop/mitigations/<int:pk>/comments/", gone_aware("mitigation", comments.mitigation_comments),
         name="workshop_mitigation_comments"),
    path("workshop/mitigations/<int:pk>/", gone_aware("mitigation", mitigations.mitigation_card),
         name="workshop_mitigation"),
    path("workshop/mitigations/<int:pk>/edit/", gone_aware("mitigation", mitigations.mitigation_edit),
         name="workshop_mitigation_edit"),
]
