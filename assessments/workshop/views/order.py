"""Reordering the cards of a lane (drag and drop, or Alt+arrow keys on a card)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from threatmodel import services as tm_services

from .common import INVALID, changed, done, system_for


@login_required
@require_POST
def lane_reorder(request, pk):
    system, _role = system_for(request, pk, edit=True)
    try:
        tm_services.components_reorder(actor=request.user, system=system, kind=request.POST.get("kind", ""),
                                       order=request.POST.getlist("order"))
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=INVALID, content_type="text/plain")
    return done(request, system, "model") if not request.htmx else changed(HttpResponse(status=204))
