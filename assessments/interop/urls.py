"""Routes of the import and export pages (included at the site root by config.urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("import/", views.import_home, name="import_home"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("systems/<int:pk>/export/", views.system_export, name="system_export"),
    path("systems/<int:pk>/coverage.csv", views.system_coverage_csv, name="system_coverage_csv"),
    path("teams/<slug:slug>/coverage.csv", views.team_coverage_csv, name="team_coverage_csv"),
    path("interop/schema/system-export-v1.json", views.export_schema, name="system_export_schema"),
]
