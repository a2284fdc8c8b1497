"""Catalog routes, included at /api/v1/ by config.api_v1."""

from django.urls import path

from . import views

urlpatterns = [
    path("catalog/questions/", views.QuestionList.as_view(), name="api-catalog-questions"),
    path("catalog/threats/", views.ThreatList.as_view(), name="api-catalog-threats"),
    path("catalog/threats/<str:ref>/", views.ThreatDetail.as_view(), name="api-catalog-threat"),
    path("catalog/controls/", views.ControlList.as_view(), name="api-catalog-controls"),
    path("catalog/controls/<str:ref>/", views.ControlDetail.as_view(), name="api-catalog-control"),
    path("catalog/releases/", views.ReleaseList.as_view(), name="api-catalog-releases"),
    path("frameworks/", views.FrameworkList.as_view(), name="api-frameworks"),
    path("frameworks/<str:key>/items/", views.FrameworkItemList.as_view(), name="api-framework-items"),
]
