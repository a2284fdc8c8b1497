"""System checks for running in production: static files collected, one cache for several processes."""

from django.conf import settings
from django.core.checks import Error, register

PER_PROCESS_CACHES = ("LocMemCache", "DummyCache")


@register("production", deploy=True)
def static_manifest_present(app_configs=None, **kwargs):
    """The manifest storage answers 500 on every page until `collectstatic` wrote its manifest."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if manifest is None:
        return []
    if staticfiles_storage.exists(manifest):
        return []
    return [Error(f"static files are not collected: {staticfiles_storage.path(manifest)} is missing, so every "
                  "page would fail", hint="Run `python manage.py collectstatic --noinput` before starting the "
                  "server (the production start in the README does).", id="threatmodel.E001")]


@register("production", deploy=True)
def shared_cache_for_several_processes(app_configs=None, **kwargs):
    """Rate limits and lock-outs live in the cache: with several processes it must be one shared cache."""
    processes = max(1, getattr(settings, "WEB_CONCURRENCY", 1)) * max(1, getattr(settings, "APP_SERVERS", 1))
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    if processes > 1 and backend in PER_PROCESS_CACHES and getattr(settings, "PRODUCTION", False):
        return [Error(f"{processes} processes serve (WEB_CONCURRENCY x APP_SERVERS) but the cache is "
                      f"{backend}, one per process: rate limits would be counted per process",
                      hint="Set CACHE_URL=redis://host:6379/1 (one Redis shared by every app server).",
                      id="threatmodel.E002")]
    return []
