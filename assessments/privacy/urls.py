from django.urls import path

from . import views

urlpatterns = [
    path("systems/<int:pk>/privacy/", views.privacy_detail, name="privacy_detail"),
    path("systems/<int:pk>/privacy/edit/", views.privacy_edit, name="privacy_edit"),
    path("systems/<int:pk>/privacy/sign-off/", views.privacy_sign_off, name="privacy_sign_off"),
    path("systems/<int:pk>/privacy/dpo-advice/", views.privacy_dpo_advice, name="privacy_dpo_advice"),
]
