"""Production mode refuses to start without its secrets, with one clear line and no traceback."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

# Only this process's own environment: nothing another test set (e.g. DJANGO_ALLOW_ASYNC_UNSAFE) leaks in.
DROP = ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ENV", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")


def run(args, **env):
    base = {k: v for k, v in os.environ.items() if k not in DROP}
    base.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=base,
                          capture_output=True, text=True, timeout=120)


def test_production_without_secret_key_fails_with_one_line():
    result = run(["check"], DJANGO_ENV="production", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert result.stderr.strip() == "configuration error: SECRET_KEY must be set when DJANGO_ENV=production"
    assert "Traceback" not in result.stderr


def test_production_without_allowed_hosts_fails():
    result = run(["check"], DJANGO_ENV="production", SECRET_KEY="x" * 60)
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr and "Traceback" not in result.stderr


PROD = {"DJANGO_ENV": "production", "SECRET_KEY": "k" * 20 + "-Zq8vT2mX9pL4rW7nB1cY6hJ3sD5fG0aK",
        "ALLOWED_HOSTS": "threats.example.org"}


def test_production_passes_deploy_checks(tmp_path):
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')  # as collectstatic
    result = run(["check", "--deploy", "--fail-level", "WARNING"], STATIC_ROOT=str(tmp_path), **PROD)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_collectstatic_fails_the_deploy_check(tmp_path):
    result = run(["check", "--deploy"], STATIC_ROOT=str(tmp_path / "empty"), **PROD)
    assert result.returncode != 0 and "threatmodel.E001" in result.stderr and "collectstatic" in result.stderr


def test_several_processes_need_a_shared_cache(tmp_path):
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    per_process = run(["check", "--deploy"], STATIC_ROOT=str(tmp_path), WEB_CONCURRENCY="4", **PROD)
    assert per_process.returncode != 0 and "threatmodel.E002" in per_process.stderr
    shared = run(["check", "--deploy"], STATIC_ROOT=str(tmp_path), APP_SERVERS="2",
                 CACHE_URL="redis://127.0.0.1:6379/8", **PROD)
    assert "threatmodel.E002" not in shared.stderr


@pytest.mark.parametrize("program", ["/srv/app/.venv/bin/gunicorn", "/srv/app/.venv/bin/celery"])
def test_debug_is_off_under_gunicorn_and_celery_without_django_env(program):
    code = (f"import sys; sys.argv[0] = {program!r}; import django; django.setup(); "
            "from django.conf import settings; print(settings.DEBUG)")
    drop = ("DJANGO_ENV", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in drop} | {"DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
    env["DEBUG"] = "1"  # asked for explicitly
    out = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "True", out.stderr


def test_session_lifetime_is_a_setting_with_a_short_default():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_development_needs_no_configuration_and_loads_no_pdf_renderer():
    """The system check passes with no settings at all; it loads every URL, view and task module, and none of
    them imports WeasyPrint (about a second of imports, left to the first render)."""
    env = {k: v for k, v in os.environ.items() if k not in DROP} | {"DJANGO_SETTINGS_MODULE": "config.settings"}
    code = ("import sys, django; django.setup(); from django.core.management import call_command; "
            "call_command('check'); print('loaded:', sorted(m for m in sys.modules if m.startswith('weasyprint')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "loaded: []"
