"""The diagram as a file (SVG or PNG) from the workshop page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from ..diagram_export import FORMATS, diagram_file
from .common import system_for


@login_required
@require_GET
def diagram_export(request, pk, fmt):
    if fmt not in FORMATS:
        raise Http404("Unknown diagram format.")
    system, _role = system_for(request, pk)
    content, media_type, filename = diagram_file(system, fmt)
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
