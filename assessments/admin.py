"""Read-only admin for the register: every change goes through a service (and the audit trail)."""

from django.contrib import admin

from .models import ExternalRef, Mitigation, NotificationLog, Review, Risk, SystemReviewState


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Risk)
class RiskAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "system", "component", "status", "stale", "likelihood", "impact", "treatment",
                    "owner", "due", "version", "updated_at"]
    list_filter = ["status", "stale", "treatment", "system__team"]
    search_fields = ["title", "template__ref"]
    list_select_related = ["system", "component", "owner"]


@admin.register(Mitigation)
class MitigationAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "system", "control", "status", "kind", "owner", "due", "version"]
    list_filter = ["status", "kind", "system__team"]
    search_fields = ["title", "control__ref"]
    list_select_related = ["system", "control", "owner"]


@admin.register(ExternalRef)
class ExternalRefAdmin(ReadOnlyAdmin):
    list_display = ["tracker", "key", "external_id", "team", "risk", "mitigation", "remote_status", "updated_at"]
    list_filter = ["tracker", "team"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["system", "round", "role", "decision", "user_label", "catalog_version", "register_hash",
                    "created_at"]
    list_filter = ["role", "decision"]


@admin.register(SystemReviewState)
class SystemReviewStateAdmin(ReadOnlyAdmin):
    list_display = ["system", "reviewed_at", "reviewed_catalog_version", "reconciled_catalog_version"]


@admin.register(NotificationLog)
class NotificationLogAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "reason", "object_type", "object_id", "sent_at"]
    list_filter = ["reason", "day"]
