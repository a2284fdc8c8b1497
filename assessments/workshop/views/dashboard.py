from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from threatmodel import selectors as tm_selectors

from ..dashboard import dashboard_data


@login_required
@require_GET
def dashboard(request):
    teams = list(tm_selectors.teams_for_user(request.user))
    return render(request, "workshop/dashboard.html", {"teams": teams, **dashboard_data(request.user)})
