from django.urls import path

from .views import comments, mitigations, register, reviews, risks

urlpatterns = [
    path("register/", register.register_home, name="register_home"),
    path("teams/<slug:slug>/register/", register.team_register, name="team_register"),
    path("teams/<slug:slug>/register/export.<str:fmt>", register.team_register_export, name="team_register_export"),
    path("teams/<slug:slug>/risk-matrix/", reviews.risk_matrix, name="risk_matrix"),
    path("systems/<int:pk>/register/", register.system_register, name="system_register"),
    path("systems/<int:pk>/register/export.<str:fmt>", register.system_register_export,
         name="system_register_export"),
    path("systems/<int:pk>/register/reviewed/", register.system_mark_reviewed, name="system_mark_reviewed"),
    path("systems/<int:pk>/risks/new/", risks.risk_create, name="risk_create"),
    path("systems/<int:pk>/mitigations/", mitigations.mitigation_list, name="mitigation_list"),
    path("systems/<int:pk>/mitigations/new/", mitigations.mitigation_create, name="mitigation_create"),
    path("systems/<int:pk>/reviews/", reviews.system_reviews, name="system_reviews"),
    path("risks/<int:pk>/", risks.risk_detail, name="risk_detail"),
    path("risks/<int:pk>/history/", risks.risk_history, name="risk_history"),
    path("risks/<int:pk>/transition/", risks.risk_transition, name="risk_transition"),
    path("risks/<int:pk>/accept/", risks.risk_accept, name="risk_accept"),
    path("risks/<int:pk>/residual/", risks.risk_residual, name="risk_residual"),
    path("risks/<int:pk>/controls/", risks.risk_add_control, name="risk_add_control"),
    path("risks/<int:pk>/comments/", comments.risk_comment, name="risk_comment"),
    path("mitigations/<int:pk>/comments/", comments.mitigation_comment, name="mitigation_comment"),
    path("mitigations/<int:pk>/", mitigations.mitigation_detail, name="mitigation_detail"),
    path("mitigations/<int:pk>/history/", mitigations.mitigation_history, name="mitigation_history"),
]
