"""/healthz: the process is up. /readyz: the database and, when configured, the broker answer.

/readyz tells everyone whether the service is ready (the status code and `status`); which check failed
and why only staff, or a probe on the same host (loopback, not through a proxy), are told.
"""

import ipaddress

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def _check_broker() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return None
    from celery import current_app as app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


@require_GET
@never_cache
def readyz(request):
    checks = {"database": _check_database(), "broker": _check_broker()}
    down = {name: err for name, err in checks.items() if err}
    body = {
        "status": "ok" if not down else "unavailable",
        "checks": {name: ("down" if err else ("ok" if name == "database" or settings.CELERY_BROKER_URL
                                              else "eager")) for name, err in checks.items()},
    }
    if down:
        body["down"] = sorted(down)
        body["errors"] = down
    if not _may_see_details(request):
        body = {"status": body["status"]}
    return JsonResponse(body, status=503 if down else 200)


def _may_see_details(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False  # came through a proxy: the loopback address is the proxy's, not the caller's
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
