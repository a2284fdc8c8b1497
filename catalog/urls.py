"""Catalog pages, included at /catalog/ by config.urls."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.threat_list, name="threat_list"),
    path("threats/<str:ref>/", views.threat_detail, name="threat_detail"),
    path("controls/", views.control_list, name="control_list"),
    path("controls/<str:ref>/", views.control_detail, name="control_detail"),
    path("frameworks/<str:key>/", views.framework_detail, name="framework_detail"),
    path("coverage/", views.coverage, name="coverage"),
]
