"""/api/v1/: every app contributes its routes here."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("systems", views.SystemViewSet, basename="system")
router.register(r"systems/(?P<system_pk>\d+)/components", views.SystemComponentsViewSet, basename="system-components")
router.register(r"systems/(?P<system_pk>\d+)/flows", views.SystemFlowsViewSet, basename="system-flows")
router.register("components", views.ComponentViewSet, basename="component")
router.register("flows", views.FlowViewSet, basename="flow")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")
router.register("deletions", views.DeletionViewSet, basename="deletion")

urlpatterns = [
    path("", include(router.urls)),
    path("", include("catalog.api.urls")),
]
