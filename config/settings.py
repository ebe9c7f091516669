"""Settings for every environment; environments differ only in environment variables."""

import importlib.util
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.embedded_db import embedded_database_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless asked for: a forgotten variable in production never shows a traceback. `make run`
# and the tests (pytest-env, in pyproject.toml) set DEBUG=1.
DEBUG = env_bool("DEBUG", False)


def local_secret_key(key_file: Path = BASE_DIR / ".data" / "secret_key") -> str:
    """Return a per-checkout key for local use; production must set SECRET_KEY."""
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (DEBUG=1 for local use).")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        return read_private_file(key_file)
    except FileNotFoundError:
        pass
    # Written whole under another name with no access for others, then linked into place: a
    # process starting at the same moment reads either no file or the finished one, never a
    # half-written or world-readable key, and the first link wins for everyone.
    partial = key_file.with_name(f"{key_file.name}.{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(50))
    try:
        os.link(partial, key_file)
    except FileExistsError:
        pass
    finally:
        partial.unlink()
    return read_private_file(key_file)


def read_private_file(path: Path) -> str:
    """Read `path`, first taking away any access by others that an older checkout left on it."""
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "axes",
    "pgtrigger",
    "pghistory",
    "apps.projects",
    "apps.sources",
    "apps.articles",
    "apps.annotations",
    "apps.stories",
    "apps.claims",
    "apps.imports",
    "apps.exports",
    "apps.review",
    "apps.search",
    "apps.directory",
    "apps.api",
    # After the apps: the first app with a command of a name provides it, and apps.imports
    # provides db_worker (woken when a task is queued).
    "django_tasks_db",
]

MIDDLEWARE = [
    "config.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Names the signed-in user (and the address) in the history that pghistory's triggers write.
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Only requests that change rows carry the history's context; reading pages pays nothing for it.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "apps.annotations.context_processors.unread_replies",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": embedded_database_settings(os.environ.get("EMBEDDED_DB_NAME", "sourcetrace"))}
# Setting up a PostgreSQL connection costs more CPU than most requests, so each worker keeps
# its connection. It is checked before reuse in each request, so after a database restart the
# next request connects again by itself. DATABASE_POOL=1 uses psycopg's pool instead (for
# threaded servers).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's PostgreSQL backend, with a health check that needs no round trip (config/postgresql).
DATABASES["default"]["ENGINE"] = "config.postgresql"
# While the database is down each request waits at most this long before the 503 page
# (config/middleware.py), instead of holding a worker for the operating system's timeout.
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", 3))
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
if env_bool("DATABASE_POOL", False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The pool connects in its own threads; a request waits for one of its connections no
    # longer than it would wait to connect itself, so an outage is answered as soon.
    DATABASES["default"]["OPTIONS"]["pool"] = {"timeout": DATABASE_CONNECT_TIMEOUT}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", 600))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Object permissions come from the project role (apps/projects/permissions.py). Axes comes
# first: it refuses a locked-out user name or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "apps.projects.permissions.PasswordBackend",
]
# Argon2 for new and changed passwords; the others still verify older hashes, which Django
# rewrites with Argon2 at the user's next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password guessing: after LOGIN_FAILURE_LIMIT failures for one user name, or from one address,
# logins from there wait LOGIN_COOLOFF_MINUTES after the last failure; the login page says so
# with 429. Failures during the wait do not extend it, so the time the page gives holds.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "config.views.login_locked_out"
# REMOTE_ADDR, which TrustedProxyMiddleware sets from the proxy's X-Forwarded-For when a
# trusted proxy sent the request; never a header any client can write.
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_address"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "articles:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Dates as 2026-12-07 14:05 everywhere, the admin's fields included (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

# No inline scripts or styles anywhere: user text can never become executable markup.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Largest file, or JSON line (article), imported; JSON Lines files have no limit of their own.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024))
# Uploads wait here for the background worker, which deletes them once imported: the web and
# worker processes must share it.
IMPORT_DIR = Path(os.environ.get("IMPORT_DIR", BASE_DIR / ".data" / "imports"))
# Largest upload the import page accepts; a larger one is refused with 413 and nothing is kept.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024))
IMPORT_PROCESSES = int(os.environ.get("IMPORT_PROCESSES", 0)) or None  # default: one per CPU
# A job whose inputs total at most this many bytes is imported in the background worker's own
# process. The import processes are forked from it and start at once, but a chunk (250 inputs)
# is the least each takes: 250 articles of 5 KB (1.4 MB of JSON lines) took as long either way,
# 100 took 0.16 s in one process and 0.23 s with two, 1,000 took 1.3 s in one and 0.9 s with
# two. Bytes rather than inputs, since one file may hold thousands of articles and an HTML page
# costs more than a JSON line.
IMPORT_IN_PROCESS_BYTES = int(os.environ.get("IMPORT_IN_PROCESS_BYTES", 2 * 1024 * 1024))
# A job whose worker has not written for this long is taken over by the next worker.
IMPORT_JOB_STALE_SECONDS = int(os.environ.get("IMPORT_JOB_STALE_SECONDS", 60))
IMPORT_JOB_MAX_RESTARTS = int(os.environ.get("IMPORT_JOB_MAX_RESTARTS", 3))
IMPORT_JOB_LISTED_OUTCOMES = int(os.environ.get("IMPORT_JOB_LISTED_OUTCOMES", 10_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 500
# URL imports never reach private, loopback, link-local or metadata addresses, except in the
# networks listed here (tests serve pages to themselves on 127.0.0.0/8).
IMPORT_ALLOWED_PRIVATE_NETWORKS = env_list("IMPORT_ALLOWED_PRIVATE_NETWORKS", "")
IMPORT_URL_TIMEOUT = float(os.environ.get("IMPORT_URL_TIMEOUT", 10))
# Exports with more annotations than this are written by the background worker into
# EXPORT_DIR (shared by web and worker) instead of streaming from the request.
EXPORT_STREAM_MAX_ANNOTATIONS = int(os.environ.get("EXPORT_STREAM_MAX_ANNOTATIONS", 20_000))
EXPORT_DIR = Path(os.environ.get("EXPORT_DIR", BASE_DIR / ".data" / "exports"))


def site_url() -> str:
    """The site's public address ("https://sourcetrace.example"), from SITE_URL (or its earlier
    name EXPORT_BASE_URL); `make run`'s address when neither is set."""
    url = (os.environ.get("SITE_URL") or os.environ.get("EXPORT_BASE_URL") or "http://localhost:8000").strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"SITE_URL must be the site's public address (https://sourcetrace.example): {url!r}")
    return url.rstrip("/")


# Where people reach the site: the absolute links and ids of exports and of the API's W3C
# annotations start with it, from the browser, the API, the background worker and the command
# line alike, so that two exports of the same annotations name them the same.
SITE_URL = site_url()
EXPORT_BASE_URL = SITE_URL

SESSION_ENGINE = "config.sessions"
SESSION_COOKIE_HTTPONLY = True
# Pages carry the token (forms, and <body hx-headers> for htmx), so no script needs the cookie.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Addresses (or networks) of the reverse proxy in front (deploy/Caddyfile). Only requests from
# them may say, in X-Forwarded-For and X-Forwarded-Proto, who the client is and that it used
# HTTPS; TrustedProxyMiddleware removes those headers from anyone else's requests.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True


def without_refusal_traceback(record) -> bool:
    """Keep a refused request (403) to its one warning line: the refusal is the app working, and
    the traceback of its PermissionDenied tells nothing."""
    if getattr(record, "status_code", None) == 403:
        record.exc_info = record.exc_text = None
    return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "without_refusal_traceback": {
            "()": "django.utils.log.CallbackFilter",
            "callback": without_refusal_traceback,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["without_refusal_traceback"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The JSON API's browsable docs use the Swagger UI page and files that come with django-ninja,
# served from this site like the app's own: the CSP allows no CDN. They are found by path, not by
# listing ninja as an app: importing it (pydantic, the whole API) at setup added half a second to
# every process that sets Django up, import processes and commands included.
NINJA_DIR = Path(importlib.util.find_spec("ninja").origin).parent
TEMPLATES[0]["DIRS"].append(NINJA_DIR / "templates")
STATICFILES_DIRS.append(NINJA_DIR / "static")
