from django.conf import settings

from .selectors import teams_for_user


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_teams": list(teams_for_user(user).only("name", "slug")),
            "can_create_team": user.is_staff or not settings.TEAM_CREATION_STAFF_ONLY}
