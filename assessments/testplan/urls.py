from django.urls import path

from . import views

urlpatterns = [
    path("systems/<int:pk>/test-plan.<str:fmt>", views.system_test_plan, name="system_test_plan"),
]
