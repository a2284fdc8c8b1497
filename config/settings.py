"""One settings module, read from the environment (12-factor).

Development needs no configuration at all: SQLite under var/, Celery eager.
DJANGO_ENV=production refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")
# A process that serves or works for real (gunicorn, a Celery worker or beat) never defaults to DEBUG,
# whatever DJANGO_ENV says: error pages would show settings to anyone. DEBUG=1 still turns it on.
SERVER_PROCESS = Path(sys.argv[0] if sys.argv else "").name in ("gunicorn", "celery", "uwsgi", "daphne", "uvicorn") \
    or "gunicorn.arbiter" in sys.modules or "celery.bin.celery" in sys.modules


def _require(name: str) -> str:
    value = env.str(name, default="")
    if not value.strip():
        sys.stderr.write(f"configuration error: {name} must be set when DJANGO_ENV=production\n")
        raise SystemExit(2)
    return value


if PRODUCTION:
    SECRET_KEY = _require("SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in _require("ALLOWED_HOSTS").split(",") if h.strip()]
    DEBUG = env.bool("DEBUG", default=False)
else:
    # Development only: a fixed, clearly-marked key so sessions survive restarts.
    SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-key-do-not-use-in-production-0123456789abcdef")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
    DEBUG = env.bool("DEBUG", default=not TESTING and not SERVER_PROCESS)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "threatmodel",
    "catalog",
    "assessments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "threatmodel.middleware.DatabaseUnavailableMiddleware",
    "threatmodel.middleware.PrivateResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "threatmodel.context_processors.navigation",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Sessions end after this many seconds (default 8 hours, a working day; Django's own default is two weeks).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# --- I18N / static / media ---------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
# Our own assets, and the browser libraries `make` installs from package-lock.json (npm ci).
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/idiomorph", BASE_DIR / "node_modules" / "idiomorph" / "dist")]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Stored files (report PDFs): "local" disk (default), "database" (PostgreSQL: any app server serves any
# PDF, nothing more to run) or "s3" (an S3-compatible store via django-storages; AWS_* variables).
FILE_STORAGE = env.str("FILE_STORAGE", default="local")
_FILE_BACKENDS = {
    "local": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "database": {"BACKEND": "threatmodel.storage.DatabaseStorage"},
    "s3": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default=""),
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        "default_acl": "private", "querystring_auth": True, "file_overwrite": False,
    }},
}
if FILE_STORAGE not in _FILE_BACKENDS:
    sys.stderr.write(f"configuration error: FILE_STORAGE must be one of {', '.join(_FILE_BACKENDS)}\n")
    raise SystemExit(2)
STORAGES = {
    "default": _FILE_BACKENDS[FILE_STORAGE],
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
# Must exceed the longest hard time limit, or Redis re-delivers running tasks.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 4}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_TIMEZONE = TIME_ZONE
# A running render stamps its heartbeat this often; silent for two intervals it is presumed dead (its
# worker was killed) and the reaper (Celery beat, same interval) re-queues it once.
REPORT_HEARTBEAT_SECONDS = env.int("REPORT_HEARTBEAT_SECONDS", default=10)
CELERY_BEAT_SCHEDULE = {
    "daily-owner-digest": {
        "task": "assessments.tasks.send_daily_digests",
        "schedule": timedelta(hours=24),
    },
    "webhooks-deliver-due": {  # picks up webhook deliveries whose task was lost or is due for a retry
        "task": "threatmodel.webhooks.deliver_due",
        "schedule": timedelta(minutes=1),
    },
    "connectors-pull": {  # pulls every linked ticket's state (inbound webhooks make it quicker)
        "task": "assessments.connectors.pull_all",
        "schedule": timedelta(minutes=env.int("CONNECTOR_PULL_MINUTES", default=5)),
    },
    "flush-pending-tasks": {  # hands over tasks recorded while the broker was down (threatmodel.queue)
        "task": "threatmodel.flush_pending_tasks",
        "schedule": timedelta(minutes=1),
    },
    "reports-reap-stalled": {  # re-queues a render whose worker died (assessments.reports.reaper)
        "task": "assessments.reports.reap_stalled",
        "schedule": timedelta(seconds=REPORT_HEARTBEAT_SECONDS),
    },
}
# Reports, imports and webhooks have queues of their own, so a burst of one cannot starve the others;
# everything else uses the default queue ("celery"). `make worker` consumes all four (config.celery).
CELERY_TASK_ROUTES = ("config.celery.route_task",)

CONNECTOR_TIMEOUT_SECONDS = env.float("CONNECTOR_TIMEOUT_SECONDS", default=10.0)

# --- REST framework -----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "threatmodel.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "threatmodel.api.contract.ApiSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "threatmodel.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "threatmodel.api.errors.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("API_RATE_LIMIT", default="1200/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AI Threat Register API",
    "DESCRIPTION": "Threat models and risk registers for AI systems; built for ticket sync.",
    "VERSION": "1.0.0",
    "LICENSE": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
    # The paths carry /api/v1/: a server is the site's origin (SITE_URL; a development server by default).
    "SERVERS": [{"url": env.str("SITE_URL", default="") or "http://127.0.0.1:8000",
                 "description": "This installation (SITE_URL)"}],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name ("kind", "status") get stable names of their own.
    "ENUM_NAME_OVERRIDES": {
        "ReportKindEnum": [("pia", "Privacy impact assessment"), ("assurance", "Assurance report")],
        "ConnectorKindEnum": "assessments.models.connectors.ConnectorKind",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "threatmodel.api.schema.document_problem_responses"],
}

# --- Mail, caches, logging ------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="threat-register@localhost")
# Per process by default. Several processes (gunicorn workers, app servers) need a shared cache
# (CACHE_URL=redis://...) so that API rate limits, report render limits and lock-outs count once:
# in production a system check refuses a per-process cache when WEB_CONCURRENCY or APP_SERVERS > 1.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://threatmodel")}
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=1)  # gunicorn reads it too: workers per app server
APP_SERVERS = env.int("APP_SERVERS", default=1)  # how many app servers share the database

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Product settings ------------------------------------------------------------
CATALOG_DATA_DIR = BASE_DIR / "catalog" / "data"
# Webhook targets on private/loopback addresses are refused unless listed here.
WEBHOOK_ALLOWED_HOSTS = env.list(
    "WEBHOOK_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"]
)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
# Where the application is reached, for links in mails sent outside a request (e.g. https://threats.example.org).
SITE_URL = env.str("SITE_URL", default="")
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)  # an invitation link expires after this many days
# Only staff may create teams when set (members join by accepted invitation either way).
TEAM_CREATION_STAFF_ONLY = env.bool("TEAM_CREATION_STAFF_ONLY", default=False)
# Report renders per team: at most this many requests in the window (0: unlimited); beyond, a 429.
REPORT_RENDER_LIMIT = env.int("REPORT_RENDER_LIMIT", default=10)
REPORT_RENDER_WINDOW_SECONDS = env.int("REPORT_RENDER_WINDOW_SECONDS", default=600)
# Optional PAdES signature of report PDFs: a PEM private key and its certificate (paths). Unset: unsigned.
REPORT_SIGNING_KEY = env("REPORT_SIGNING_KEY", default="")
REPORT_SIGNING_CERT = env("REPORT_SIGNING_CERT", default="")
REPORT_SIGNING_PASSPHRASE = env("REPORT_SIGNING_PASSPHRASE", default="")

# --- Security headers ---------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
