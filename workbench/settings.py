"""Settings, all read from the environment (see .env.example)."""

from __future__ import annotations

import os
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "0")
# pytest sets PYTEST_VERSION while it runs; the test settings need no secret.
_TESTING = bool(os.getenv("PYTEST_VERSION"))
SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or _TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string in production "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 on a development machine."
        )
    # Development (DEBUG=1) and tests only.
    SECRET_KEY = "django-insecure-development-key-change-me"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # intcomma: counts with the locale's thousands separator
    "django_htmx",
    "template_partials",
    "ninja",  # serves its bundled Swagger UI for /api/v1/docs (no CDN)
    "axes",  # login throttling and lockout (site and admin)
    "django_tasks",  # background jobs (the backport of Django 6's Tasks framework)
    "django_tasks_db",  # ... queued in the database, run by `manage.py db_worker`
    "workbench",
    "studies",
    "coding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "workbench.middleware.RequestSizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface language: the language cookie, else Accept-Language (workbench/i18n.py).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, the requester's row read by a written-out query (workbench/auth.py).
    "workbench.auth.AuthenticationMiddleware",
    # A logged-in person's own choice of language wins over the browser's.
    "workbench.i18n.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "workbench.middleware.SessionIdleMiddleware",
    "workbench.middleware.NoStoreMiddleware",
    # django-axes: last, so that it sees the login views' responses.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "workbench.urls"
WSGI_APPLICATION = "workbench.wsgi.application"

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
                "workbench.i18n.languages",
            ],
        },
    }
]

# Each process keeps its PostgreSQL connection for CONN_MAX_AGE seconds (checked before reuse)
# instead of opening one per request: a new connection forks a server backend and re-reads
# the catalogue on its first queries (make loadtest).
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: readers do not block the writer, and a commit appends to the log instead of
    # writing, syncing and deleting a rollback journal (~12 ms a write on a VM disk, most of
    # a coding-page write). synchronous=NORMAL syncs the log at checkpoints, not at every
    # commit: a commit survives the app or a worker crashing, and the file stays
    # consistent, but a power cut may lose the last commits. WORKBENCH_SQLITE_SYNCHRONOUS=
    # FULL syncs each commit (~4 ms more a write). Production runs PostgreSQL.
    synchronous = os.getenv("WORKBENCH_SQLITE_SYNCHRONOUS", "NORMAL").upper()
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ImproperlyConfigured("WORKBENCH_SQLITE_SYNCHRONOUS: OFF, NORMAL, FULL or EXTRA.")
    # IMMEDIATE: a transaction takes the write lock when it begins, so a second writer
    # (another worker) waits for it (``timeout`` seconds) instead of failing with
    # "database is locked" when it upgrades its read lock after the first one wrote.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}",
    }
    # The connection is kept between requests (CONN_MAX_AGE, as for PostgreSQL): closing it
    # after each one made every request reconnect and checkpoint the WAL, about 40 % of a
    # coding-page write's CPU.

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "studies:study_list"
LOGOUT_REDIRECT_URL = "login"

# Interface languages (README "Languages"). Django's own zh_Hant catalogue translates its
# form errors and auth messages; locale/zh_Hant overrides it where Hong Kong usage differs.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hant", "繁體中文（香港）")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# workbench/formats/<locale>/formats.py: Hong Kong groups thousands with commas.
FORMAT_MODULE_PATH = ["workbench.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves the collected files (collectstatic) in production and the finders'
# files under DEBUG; without collectstatic it would warn about the missing STATIC_ROOT.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Files made by background jobs (coding/jobs/): private, served only by an access-checked
    # view, never under STATIC_URL or a media URL.
    "jobs": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.getenv(
                "WORKBENCH_JOB_FILES",
                str(
                    Path(tempfile.gettempdir()) / "workbench-test-jobs"
                    if _TESTING
                    else BASE_DIR / "var" / "jobs"
                ),
            )
        },
    },
    # Transcripts' recordings (studies.TranscriptMedia): private like job files, streamed by
    # an access-checked view with Range support; S3-compatible object storage when
    # WORKBENCH_MEDIA_S3_BUCKET is set (pip install '.[s3]'; see _media_storage below).
    "media": None,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and envbool("WORKBENCH_MANIFEST_STATIC", "0")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}


def _media_storage() -> dict:
    """Local disk under WORKBENCH_MEDIA_ROOT (outside STATIC_ROOT, never served by WhiteNoise),
    or an S3-compatible bucket (django-storages) when WORKBENCH_MEDIA_S3_BUCKET is set."""
    bucket = os.getenv("WORKBENCH_MEDIA_S3_BUCKET", "").strip()
    if bucket:
        options = {
            "bucket_name": bucket,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": envint("WORKBENCH_MEDIA_URL_SECONDS", 300),
            # Presigned URLs signed with Signature Version 4 (X-Amz-Expires): S3 refuses
            # version 2 for new buckets, and botocore would otherwise pick it for some regions.
            "signature_version": os.getenv("WORKBENCH_MEDIA_S3_SIGNATURE_VERSION", "s3v4"),
            "file_overwrite": False,
            "location": os.getenv("WORKBENCH_MEDIA_S3_PREFIX", "media"),
        }
        for option, name in (
            ("endpoint_url", "WORKBENCH_MEDIA_S3_ENDPOINT_URL"),
            ("region_name", "WORKBENCH_MEDIA_S3_REGION"),
            ("access_key", "WORKBENCH_MEDIA_S3_ACCESS_KEY_ID"),
            ("secret_key", "WORKBENCH_MEDIA_S3_SECRET_ACCESS_KEY"),
        ):
            if os.getenv(name):
                options[option] = os.environ[name]
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    location = os.getenv(
        "WORKBENCH_MEDIA_ROOT",
        str(
            Path(tempfile.gettempdir()) / f"workbench-test-media-{os.getpid()}"
            if _TESTING
            else BASE_DIR / "var" / "media"
        ),
    )
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": location, "base_url": None},
    }


STORAGES["media"] = _media_storage()
_MEDIA_ORIGINS = envlist("WORKBENCH_MEDIA_ORIGINS", "")
if not _MEDIA_ORIGINS and STORAGES["media"]["BACKEND"].startswith("storages."):
    _endpoint = os.getenv("WORKBENCH_MEDIA_S3_ENDPOINT_URL", "")
    _MEDIA_ORIGINS = (
        ["/".join(_endpoint.split("/")[:3])]
        if _endpoint
        else [
            f"https://{os.environ['WORKBENCH_MEDIA_S3_BUCKET']}.s3.amazonaws.com",
            "https://*.amazonaws.com",
        ]
    )

# Background jobs: long exports run in the task worker (`manage.py db_worker`, started by
# `make demo`; several workers may run on PostgreSQL, which hands each job to one of them).
# Tests run tasks at once, in the request (ImmediateBackend).
TASKS = {
    "default": {
        "BACKEND": os.getenv(
            "WORKBENCH_TASK_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if _TESTING
            else "django_tasks_db.DatabaseBackend",
        )
    }
}
# Exports of more segments than this run as a job with a progress bar (smaller ones are
# answered at once: about a second at 5,000 segments); job files are deleted after
# WORKBENCH_JOB_FILE_HOURS (`manage.py jobs_prune`, run when the worker starts).
WORKBENCH_JOB_MIN_SEGMENTS = envint("WORKBENCH_JOB_MIN_SEGMENTS", 5_000)
WORKBENCH_JOB_FILE_HOURS = envint("WORKBENCH_JOB_FILE_HOURS", 24)
# The coding page's fixed parts ({% fixedpart %}, coding/templatetags/fixed_parts.py) are
# rendered once per language and key and reused; False renders them on every request.
WORKBENCH_FIXED_PARTS = True
# A REFI-QDA upload larger than this is imported by a job (the seed-scale project is ~5 MB).
WORKBENCH_JOB_MIN_IMPORT_BYTES = envint("WORKBENCH_JOB_MIN_IMPORT_BYTES", 2 * 1024 * 1024)

# Uploads: every importer checks these while it reads (in chunks, declared and actual sizes),
# so a refused upload costs little memory and answers at once with the file and the limit.
WORKBENCH_MAX_UPLOAD_BYTES = envint("WORKBENCH_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
WORKBENCH_MAX_ZIP_BYTES = envint("WORKBENCH_MAX_ZIP_BYTES", 100 * 1024 * 1024)
WORKBENCH_MAX_FILES = envint("WORKBENCH_MAX_FILES", 500)
WORKBENCH_MAX_TEXT_CHARS = envint("WORKBENCH_MAX_TEXT_CHARS", 2_000_000)
# One recording (audio or video) attached to a transcript, streamed to storage in chunks.
WORKBENCH_MAX_MEDIA_BYTES = envint("WORKBENCH_MAX_MEDIA_BYTES", 500 * 1024 * 1024)
# Days an invitation link to a study stays valid.
WORKBENCH_INVITATION_DAYS = envint("WORKBENCH_INVITATION_DAYS", 7)
# All files of one upload, zip or QDPX together: unpacked bytes and decoded characters.
WORKBENCH_MAX_IMPORT_BYTES = envint("WORKBENCH_MAX_IMPORT_BYTES", 50_000_000)
WORKBENCH_MAX_IMPORT_CHARS = envint("WORKBENCH_MAX_IMPORT_CHARS", 20_000_000)
# One XML part of a .docx or a QDPX project.qde / .qdc, unpacked.
WORKBENCH_MAX_XML_BYTES = envint("WORKBENCH_MAX_XML_BYTES", 20_000_000)
# Elements of one .docx XML part: a part of tiny elements compresses to nothing and would
# take seconds to read (about 2 s per million elements); 500,000 is a very long interview.
WORKBENCH_MAX_XML_ELEMENTS = envint("WORKBENCH_MAX_XML_ELEMENTS", 500_000)
# Participant CSV and bulk-import manifest.
WORKBENCH_MAX_CSV_BYTES = envint("WORKBENCH_MAX_CSV_BYTES", 5 * 1024 * 1024)
WORKBENCH_MAX_CSV_ROWS = envint("WORKBENCH_MAX_CSV_ROWS", 10_000)
WORKBENCH_MAX_CSV_CELL_CHARS = envint("WORKBENCH_MAX_CSV_CELL_CHARS", 20_000)
# Django's own limits, consistent with the above: form fields (not files) up to a whole
# transcript edited in the browser (2M CJK characters are 18 MB URL-encoded); files above
# 2.5 MB spool to a temporary file instead of memory; the importers read them in chunks.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint(
    "WORKBENCH_MAX_FORM_BYTES", max(10 * 1024 * 1024, 9 * WORKBENCH_MAX_TEXT_CHARS + 1024 * 1024)
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Whole request bodies (files included), refused with 413 before they are read.
WORKBENCH_MAX_REQUEST_BYTES = envint(
    "WORKBENCH_MAX_REQUEST_BYTES",
    max(WORKBENCH_MAX_ZIP_BYTES, WORKBENCH_MAX_IMPORT_BYTES, DATA_UPLOAD_MAX_MEMORY_SIZE)
    + 10 * 1024 * 1024,
)
DATA_UPLOAD_MAX_NUMBER_FILES = WORKBENCH_MAX_FILES

# Accounts and sessions. After WORKBENCH_LOGIN_FAILURE_LIMIT wrong passwords for one username
# (from any address) that username is locked out for WORKBENCH_LOGIN_LOCKOUT_MINUTES; an
# administrator unlocks it earlier in the admin (Axes › Access attempts) or with
# `manage.py axes_reset_username NAME`.
AXES_FAILURE_LIMIT = envint("WORKBENCH_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("WORKBENCH_LOGIN_LOCKOUT_MINUTES", 15))
# By username only: a research office often shares one public address, and locking the
# address would lock the whole team out after one person's typos. Guessing any one account
# is still capped, from however many addresses (hence axes' W006 is silenced).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_ORDER = "right-most"  # the address our own proxy saw
AXES_IPWARE_PROXY_COUNT = 1 if envbool("BEHIND_TLS_PROXY", "0") else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    if envbool("BEHIND_TLS_PROXY", "0")
    else ("REMOTE_ADDR",)
)

# A session ends after WORKBENCH_SESSION_IDLE_MINUTES without a request (shared clinic
# computers); SessionIdleMiddleware renews it at most once a minute.
SESSION_COOKIE_AGE = envint("WORKBENCH_SESSION_IDLE_MINUTES", 60) * 60
# Django's database sessions, the row read by a written-out query (workbench/sessions.py).
SESSION_ENGINE = "workbench.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "0")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "0")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "0")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_TLS_PROXY", "0") else None
)

# Content-Security-Policy: scripts only from this site (no inline script anywhere); style
# attributes carry per-code colours, so inline styles stay allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        # Recordings: from the app, or from the bucket a presigned URL points to (S3).
        "media-src": ["'self'", *_MEDIA_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

if os.getenv("WORKBENCH_FAST_HASHER") == "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}
