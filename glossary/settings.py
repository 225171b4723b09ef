"""Settings for Glossary, read from the environment.

One file for every deployment: behaviour is switched by environment variables
(see the table in README.md), never by a second settings module.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_seconds(name, default):
    return float(os.environ.get(name) or default)


def _local_secret_key():
    """A random key kept in a git-ignored file, so a fresh clone never runs on a shared key."""
    path = BASE_DIR / ".secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _local_secret_key()
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "terms.api_errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "reversion",
    "django_tasks_db",
    "terms",
    "bench",
]

MIDDLEWARE = [
    # First: every later log line of the request carries its id, and every answer its header.
    "glossary.logs.RequestLogMiddleware",
    # Before the session is read: a signed-in reader's session must come from the primary.
    "glossary.replicas.PrimaryForEditorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous hits are answered here, before the session, CSRF and view work they skip.
    "terms.page_cache.PageCacheMiddleware",
    "glossary.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "terms.api_headers.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "glossary.middleware.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "glossary.urls"
WSGI_APPLICATION = "glossary.wsgi.application"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Seconds a statement may run, and a connection take to open: a stopped or hung database
# then costs a request a few seconds and a 503 (glossary/middleware.py), not a worker held
# until gunicorn kills it.
DATABASE_STATEMENT_TIMEOUT = env_seconds("DATABASE_STATEMENT_TIMEOUT", 5)


def database(url):
    """One DATABASES entry for `url`: persistent connections, checked before reuse."""
    config = dj_database_url.parse(
        url,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
    options = config.setdefault("OPTIONS", {})
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend plus a client-side bound for a server that hangs.
        config["ENGINE"] = "glossary.postgresql"
        # The search backends need synchronize_seqscans off: a word in most terms lists the
        # first matches a scan reads, the same ones on every request, so no scan may start
        # where another stopped.
        options["options"] = " ".join(
            filter(
                None,
                [
                    options.get("options", ""),
                    "-c synchronize_seqscans=off",
                    f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000:.0f}",
                ],
            )
        )
        options.setdefault("connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT") or 3))
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # Concurrent use: WAL lets readers go on while one writer writes; writers take the
        # lock when their transaction begins (IMMEDIATE) and queue for it for up to `timeout`
        # seconds, rather than failing with "database is locked" when two transactions
        # upgrade at once. The FTS5 index reads through a memory map rather than read() calls.
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode = WAL; PRAGMA mmap_size = 1073741824",
        )
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", env_seconds("DATABASE_LOCK_TIMEOUT", 20))
    return config


# An empty DATABASE_URL means the default too, not a database with no engine.
DATABASES = {
    "default": database(os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
# Streaming replicas of the primary: anonymous reads go to them, everything an editor or a
# write does stays on the primary (glossary/replicas.py). Tests read the primary through them.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASE_REPLICAS.append(f"replica{_number}")
    DATABASES[f"replica{_number}"] = database(_url) | {"TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["glossary.replicas.PrimaryReplicaRouter"] if DATABASE_REPLICAS else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "glossary")
if REDIS_URL:
    # Fails open (glossary/cache.py): a Redis that is down or hung costs each call at most
    # REDIS_TIMEOUT, then this process caches in memory for a while and retries.
    _redis_timeout = env_seconds("REDIS_TIMEOUT", 0.5)
    CACHES = {
        alias: {
            "BACKEND": "glossary.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": _redis_timeout,
                "SOCKET_TIMEOUT": _redis_timeout,
            },
        }
        for alias, prefix in (
            ("default", CACHE_KEY_PREFIX),
            ("search", f"{CACHE_KEY_PREFIX}-search"),
        )
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "search": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "search",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
    }
# How long a search's results (ids, counts, facets, "did you mean") are reused for the same
# query; any change to the index retires them at once. 0 turns the cache off.
SEARCH_CACHE_SECONDS = int(os.environ.get("SEARCH_CACHE_SECONDS", "600"))
# How long an anonymous page or API read is kept in the default cache (terms/page_cache.py);
# any content change retires it at once. 0 turns the page cache off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# Cache-Control max-age of anonymous pages and API reads: how long a browser or CDN may show
# a page before asking again (signed-in users always ask again).
PAGE_MAX_AGE = int(os.environ.get("PAGE_MAX_AGE", "60"))
# How long a shared preview link of a draft works.
PREVIEW_MAX_AGE = int(os.environ.get("PREVIEW_MAX_AGE", str(3 * 24 * 3600)))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login protection (terms/login_protection.py): after AXES_FAILURE_LIMIT failed logins for
# one account, or from one address, that account or address waits out the cool-off.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "terms.login_protection.client_ip"
# Log lines name the account and address tried (what an operator acts on); passwords are
# always masked.
AXES_SENSITIVE_PARAMETERS = []

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Before `collectstatic` has run (tests, a first `runserver`), fall back to unhashed names.
WHITENOISE_MANIFEST_STRICT = False

# Security: production (debug off and a secret key from the environment) is HTTPS-only by
# default; each protection has a variable that turns it off for a plain-HTTP setup. A local
# run has no DJANGO_SECRET_KEY, so it keeps serving plain HTTP.
PRODUCTION = not DEBUG and bool(os.environ.get("DJANGO_SECRET_KEY"))
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_HSTS_SECONDS") or (365 * 24 * 60 * 60 if PRODUCTION else 0)
)
# Both bind every subdomain (preload: in browsers' built-in lists, once the domain is
# submitted) to HTTPS; on with the rest of production, off for a domain whose subdomains
# do not all serve HTTPS.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("DJANGO_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Reads of the API may come from any origin; writes (with a token, never cookies) from the
# origins listed in DJANGO_CORS_WRITE_ORIGINS alone (terms.api_headers.CorsMiddleware).
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_WRITE_ORIGINS = env_list("DJANGO_CORS_WRITE_ORIGINS")
# Browser clients send conditional requests and read what they need to follow up.
CORS_ALLOW_HEADERS = [*cors_default_headers, "if-none-match", "if-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Last-Modified",
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "terms.login_protection.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "terms.pagination.PageNumberWithSizePagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "terms.api_errors.exception_handler",
    # JSON only: a term is a nested document, which a form or multipart body cannot carry
    # (generated clients sent PATCH as multipart and doubled list items). Others get 415.
    "DEFAULT_PARSER_CLASSES": ["terms.api_errors.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Counted in the default cache: per process with LocMem, shared across workers with Redis.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
        "invalid_token": os.environ.get("API_THROTTLE_INVALID_TOKEN", "20/minute"),
    },
    # Behind a proxy, throttle by the client's address, not the proxy's.
    # 0, not None: DRF would otherwise key throttles on a client-sent X-Forwarded-For.
    "NUM_PROXIES": 1 if env_bool("DJANGO_BEHIND_PROXY") else 0,
}

SPECTACULAR_SETTINGS = {
    # One name for the webhook events, whether a field lists or names them.
    "ENUM_NAME_OVERRIDES": {"WebhookEventEnum": "terms.webhook_models.Event"},
    "TITLE": "Glossary API",
    "DESCRIPTION": "Read and curate the cloud & AI glossary.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response components: writes take slugs, reads give objects.
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["terms.openapi.canonical_paths_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "terms.openapi.document_errors",
        "terms.openapi.document_list_caps",
        "terms.openapi.document_public_reads",
        "terms.openapi.document_empty_filters",
        "terms.openapi.document_fields",
        "terms.openapi.document_examples",
        "terms.openapi.document_one_type_per_operation",
    ],
}

# The task queue (Django's tasks framework): webhook deliveries wait in a table of the
# database, so no server beyond the database is needed; `manage.py worker` runs them.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Webhooks (terms/webhooks.py): deliveries link to the site at this address; each attempt
# waits at most WEBHOOK_TIMEOUT seconds to connect and for each read; failed attempts are
# retried after WEBHOOK_RETRY_DELAY seconds, doubling up to an hour, for WEBHOOK_RETRY_FOR.
GLOSSARY_SITE_URL = os.environ.get("GLOSSARY_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WEBHOOK_TIMEOUT = env_seconds("WEBHOOK_TIMEOUT", 5)
WEBHOOK_RETRY_DELAY = env_seconds("WEBHOOK_RETRY_DELAY", 30)
WEBHOOK_RETRY_FOR = env_seconds("WEBHOOK_RETRY_FOR", 24 * 3600)

# One line per request and per event, each with its request's id (glossary/logs.py); JSON,
# one object a line, when LOG_FORMAT=json.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "glossary.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "glossary.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        # The request lines, whatever the root level; LOG_REQUESTS=0 leaves them to the proxy.
        "glossary.request": {"level": "INFO" if env_bool("LOG_REQUESTS", True) else "WARNING"},
        # runserver's own line per request would repeat ours.
        "django.server": {"level": "WARNING"},
    },
}
