from django.contrib import admin

from .models import AISystem, ApiToken, AuditEvent, Component, DataFlow, Membership, Team, Tombstone, WorkerHeartbeat


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "digest_enabled"]
    list_filter = ["role", "team"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "user", "prefix", "scopes", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "digest", "last_used_at", "created_at"]
    list_filter = ["team"]

    def has_add_permission(self, request):
        return False  # tokens are created through the service, which shows the secret once


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0
    fields = ["kind", "name", "position", "version"]
    readonly_fields = ["version"]


@admin.register(AISystem)
class AISystemAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "lifecycle_stage", "owner", "version", "updated_at"]
    list_filter = ["team", "lifecycle_stage"]
    search_fields = ["name", "description"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ComponentInline]


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "system", "version"]
    list_filter = ["kind"]
    search_fields = ["name"]
    readonly_fields = ["version"]


@admin.register(DataFlow)
class DataFlowAdmin(admin.ModelAdmin):
    list_display = ["__str__", "system", "label", "version"]
    readonly_fields = ["version"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["team", "seq", "at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["team", "action"]
    search_fields = ["object_repr", "action"]


@admin.register(Tombstone)
class TombstoneAdmin(ReadOnlyAdmin):
    list_display = ["team", "object_type", "object_id", "deleted_at"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "seen_at", "runs"]
