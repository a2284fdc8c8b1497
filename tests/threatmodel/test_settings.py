"""Production mode refuses to start without its secrets, with one clear line and no traceback."""

import os
import subprocess
import sys

from django.conf import settings


def run(args, **env):
    # Only this process's own environment: nothing another test set (e.g. DJANGO_ALLOW_ASYNC_UNSAFE) leaks in.
    drop = ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ENV", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in drop}
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


def test_production_passes_deploy_checks():
    result = run(["check", "--deploy", "--fail-level", "WARNING"], DJANGO_ENV="production",
                 SECRET_KEY="k" * 20 + "-Zq8vT2mX9pL4rW7nB1cY6hJ3sD5fG0aK", ALLOWED_HOSTS="threats.example.org")
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_needs_no_configuration():
    result = run(["check"])
    assert result.returncode == 0, result.stderr
