from .selectors import teams_for_user


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_teams": list(teams_for_user(user).only("name", "slug"))}
