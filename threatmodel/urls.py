"""Pages of the modeling domain: teams, systems, components and flows (included at the site root)."""

from django.urls import path

from . import health, invitation_views, team_views, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<slug:slug>/settings/", team_views.team_settings, name="team_settings"),
    path("teams/<slug:slug>/members/<int:user_id>/", team_views.member_role, name="team_member_role"),
    path("teams/<slug:slug>/tokens/<int:token_id>/revoke/", team_views.token_revoke, name="team_token_revoke"),
    path("teams/<slug:slug>/invitations/<int:invitation_id>/revoke/", team_views.invitation_revoke,
         name="team_invitation_revoke"),
    path("invitations/<str:token>/", invitation_views.invitation_accept, name="invitation_accept"),
    path("teams/<slug:slug>/webhooks/<int:webhook_id>/", team_views.team_webhook, name="team_webhook"),
    path("teams/<slug:slug>/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/retry/",
         team_views.team_webhook_retry, name="team_webhook_retry"),
    path("systems/new/", views.system_create, name="system_create"),
    path("systems/<int:pk>/", views.system_detail, name="system_detail"),
    path("systems/<int:pk>/edit/", views.system_edit, name="system_edit"),
    path("systems/<int:pk>/components/new/", views.component_create, name="component_create"),
    path("components/<int:pk>/edit/", views.component_edit, name="component_edit"),
    path("components/<int:pk>/delete/", views.component_delete, name="component_delete"),
    path("systems/<int:pk>/flows/new/", views.flow_create, name="flow_create"),
    path("flows/<int:pk>/edit/", views.flow_edit, name="flow_edit"),
    path("flows/<int:pk>/delete/", views.flow_delete, name="flow_delete"),
]
