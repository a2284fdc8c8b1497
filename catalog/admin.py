"""Read-only admin: the catalog is data, changed through catalog/data/*.yaml and load_catalog."""

from django.contrib import admin

from .models import CatalogRelease, ControlTemplate, Framework, FrameworkItem, Question, ThreatTemplate


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CatalogRelease)
class CatalogReleaseAdmin(ReadOnlyAdmin):
    list_display = ["version", "loaded_at", "checksum"]


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["key", "name", "version", "url"]


@admin.register(FrameworkItem)
class FrameworkItemAdmin(ReadOnlyAdmin):
    list_display = ["ref", "title", "kind", "framework", "parent", "retired"]
    list_filter = ["framework", "kind", "retired"]
    search_fields = ["ref", "title"]
    list_select_related = ["framework", "parent__framework"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["key", "scope", "type", "label"]
    list_filter = ["scope", "type"]
    search_fields = ["key", "label"]


@admin.register(ThreatTemplate)
class ThreatTemplateAdmin(ReadOnlyAdmin):
    list_display = ["ref", "title", "category", "applies_to", "default_likelihood", "default_impact",
                    "privacy_relevant", "retired"]
    list_filter = ["category", "phase", "privacy_relevant", "retired"]
    search_fields = ["ref", "title", "description"]


@admin.register(ControlTemplate)
class ControlTemplateAdmin(ReadOnlyAdmin):
    list_display = ["ref", "title", "kind", "retired"]
    list_filter = ["kind", "retired"]
    search_fields = ["ref", "title", "description"]
