from django.urls import path

from . import hooks, views

urlpatterns = [
    path("hooks/jira/<int:connector_id>/", hooks.jira_hook, name="connector_hook_jira"),
    path("hooks/github/<int:connector_id>/", hooks.github_hook, name="connector_hook_github"),
    path("teams/<slug:slug>/connectors/", views.team_connectors, name="team_connectors"),
    path("teams/<slug:slug>/connectors/<int:pk>/token/", views.connector_token, name="team_connector_token"),
    path("teams/<slug:slug>/connectors/<int:pk>/sync/", views.connector_sync_now, name="team_connector_sync"),
    path("teams/<slug:slug>/connectors/<int:pk>/delete/", views.connector_delete, name="team_connector_delete"),
]
