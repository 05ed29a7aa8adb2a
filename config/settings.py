"""One settings module, driven by the environment.

With no variables at all the archive runs on its embedded defaults: SQLite,
SQLite FTS5 search, media on local disk under var/, a local worker process
with a filesystem broker, and the bundled offline Whisper model. Production
switches each piece by variable (DATABASE_URL, CELERY_BROKER_URL, ...).
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp import constants as csp

from config.env import env_bool, env_int, env_list, env_path, env_str
from config.secrets import load_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules or env_bool("TESTIMONIO_TESTING", False)
# Tests get their own var/ so a test run never touches the demo archive.
VAR_DIR = env_path("TESTIMONIO_VAR_DIR", BASE_DIR / "var" / ("test" if TESTING else "run"))

# Off unless asked for: a debug page shows settings and code to anyone.
DEBUG = env_bool("DJANGO_DEBUG", False)
# Served over plain HTTP on this machine only (the embedded demo, the test
# servers): no HTTPS redirect, HSTS or Secure-only cookies, which would lock a
# loopback visitor out. bin/serve turns it on only for a loopback address.
PLAIN_HTTP = env_bool("TESTIMONIO_PLAIN_HTTP", DEBUG or TESTING)
if TESTING:
    # Servers a test starts as subprocesses run with debug off, over loopback
    # HTTP, and must sign and check with the test run's own key.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("TESTIMONIO_PLAIN_HTTP", "1")
SECRET_KEY = load_secret_key(debug=DEBUG, key_file=VAR_DIR / "secret-key")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# --- Transport and browser protections ----------------------------------------
# Safe without reading a hardening guide: HTTPS only, cookies never sent in
# clear, nothing framed or sniffed. PLAIN_HTTP (loopback only) relaxes transport.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not PLAIN_HTTP)
# Behind a proxy that ends TLS and says so in X-Forwarded-Proto. Only set it
# when the proxy strips that header from what clients send.
if env_bool("TESTIMONIO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if PLAIN_HTTP else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = not PLAIN_HTTP
CSRF_COOKIE_SECURE = not PLAIN_HTTP
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Staff sessions end after this many idle seconds (config/middleware.py);
# public visitors keep Django's usual session.
TESTIMONIO_STAFF_IDLE_SECONDS = env_int("TESTIMONIO_STAFF_IDLE_SECONDS", 30 * 60)

# Content Security Policy (django-csp): the public pages load scripts, styles
# and media from this site only, with no inline code. Recording pages may show
# the browser's own recording (blob:). The Wagtail admin keeps its own pages.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "media-src": [csp.SELF, "blob:"],
        "connect-src": [csp.SELF],
        "font-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

INSTALLED_APPS = [
    "transcription",
    "archive",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.redirects",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Sign-up, sign-in, email verification and password reset for educators and
    # researchers (archive/accounts/); staff roles are given only in the admin.
    "allauth",
    "allauth.account",
    "csp",
    # Failed sign-ins counted and locked out (admin and site alike).
    "axes",
    # Two-factor sign-in for staff (archive/accounts/two_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Microphone and camera only where a storyteller records (config/middleware.py).
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The public site follows the browser's Accept-Language (English or Spanish).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.middleware.StaffIdleTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "archive.accounts.two_factor.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Ids past the database's integer range are a 404 (config/middleware.py).
    "config.middleware.OutOfRangeIdMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'testimonio.sqlite3'}"),
        # bin/serve keeps each server thread's connection (60 s): opening one per
        # request was a tenth of a web worker's time under load (bench/load.py).
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker and the web server write the same file: wait for locks
    # instead of failing an editor's save with "database is locked".
    # secure_delete zeroes freed pages, so a purged testimony leaves no bytes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Hashed, compressed, long-cached static files once `collectstatic` has run
# (bin/serve runs it with TESTIMONIO_STATIC_MANIFEST=1); until then (debug,
# tests, a first manage.py command) whitenoise serves them from the apps' folders.
STATIC_COLLECTED = env_bool(
    "TESTIMONIO_STATIC_MANIFEST",
    not (DEBUG or TESTING) and (STATIC_ROOT / "staticfiles.json").is_file(),
)
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
# Never a public media directory: MEDIA_URL is deliberately unset and every
# media byte goes through a view that asks archive.access.
MEDIA_ROOT = env_path("TESTIMONIO_MEDIA_ROOT", VAR_DIR / "media")
PRIVATE_MEDIA_ROOT = MEDIA_ROOT / "private"
# Every purge is also appended here (ids and dates only), outside the database,
# so restoring an older backup purges again what was purged since
# (archive/backups.py). Keep it beside, not inside, the backups.
TESTIMONIO_PURGE_JOURNAL = env_path("TESTIMONIO_PURGE_JOURNAL", VAR_DIR / "purges.jsonl")
# Where the admin writes preservation bags (BagIt) for staff to collect: on the
# archive's own disk, never a public folder, never a browser download.
TESTIMONIO_BAG_DIR = env_path("TESTIMONIO_BAG_DIR", VAR_DIR / "bags")
TESTIMONIO_BAG_ORGANIZATION = env_str("TESTIMONIO_BAG_ORGANIZATION", "Testimonio")
# The staff folder the admin's bulk imports read recordings, transcripts and
# signed forms from (a manifest's paths are relative to it; archive/imports/).
TESTIMONIO_IMPORT_DIR = env_path("TESTIMONIO_IMPORT_DIR", VAR_DIR / "imports")
TESTIMONIO_IMPORT_MAX_ROWS = env_int("TESTIMONIO_IMPORT_MAX_ROWS", 5000)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_COLLECTED
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# The public sign-in page; the Wagtail admin keeps its own (WAGTAILADMIN_LOGIN_URL).
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

WAGTAIL_SITE_NAME = "Testimonio"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Automatic redirects keep old slugs, and slugs carry titles: they would
# outlive a storyteller's withdrawal. Editors add redirects by hand.
WAGTAILREDIRECTS_AUTO_CREATE = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "txt", "odt", "docx"]
# Testimony goes live only when its workflow is approved; the approvals are the
# permission (archive/testimonies/workflow_finish.py), so nobody publishes around them.
WAGTAIL_FINISH_WORKFLOW_ACTION = "archive.testimonies.workflow_finish.publish_approved"
# A one-person archive: its only archivist may verify their own widening of
# consent. Elsewhere a second archivist must (archive/access.py).
TESTIMONIO_ALLOW_SELF_VERIFICATION = env_bool("TESTIMONIO_ALLOW_SELF_VERIFICATION", False)

# --- Testimonio -----------------------------------------------------------

# Largest original accepted by ingest, in bytes (2 GiB by default).
TESTIMONIO_MAX_UPLOAD_BYTES = env_int("TESTIMONIO_MAX_UPLOAD_BYTES", 2 * 1024**3)

# Space the media disk keeps free: ingest refuses a recording that would
# leave less (its web copy and transcripts need room too).
TESTIMONIO_DISK_RESERVE_BYTES = env_int("TESTIMONIO_DISK_RESERVE_BYTES", 64 * 1024**2)

# A storyteller's upload not written to for this long (seconds; 3 days) is
# expired and its partial file deleted (archive/uploads.py, hourly by beat).
TESTIMONIO_UPLOAD_EXPIRE_AFTER = env_int("TESTIMONIO_UPLOAD_EXPIRE_AFTER", 3 * 24 * 3600)

# Lifetime of a signed media URL, in seconds.
TESTIMONIO_MEDIA_URL_MAX_AGE = env_int("TESTIMONIO_MEDIA_URL_MAX_AGE", 6 * 3600)
# How media bytes leave: "" streams from Django (embedded default);
# "x-accel-redirect" (nginx) or "x-sendfile" (Apache) hand the file to the web
# server after the policy said yes, from the internal location below.
TESTIMONIO_PROTECTED_MEDIA = env_str("TESTIMONIO_PROTECTED_MEDIA", "")
TESTIMONIO_PROTECTED_MEDIA_PREFIX = env_str("TESTIMONIO_PROTECTED_MEDIA_PREFIX", "/protected/")

# Whisper model: "base" (bundled multilingual, offline), "tiny.en" (bundled,
# English only), a local CTranslate2 directory, or a hub name (needs network).
TRANSCRIPTION_ENGINE = env_str("TRANSCRIPTION_ENGINE", "faster-whisper")  # or "openai-whisper"
TRANSCRIPTION_MODEL = env_str("TRANSCRIPTION_MODEL", "base")
TRANSCRIPTION_DEVICE = env_str("TRANSCRIPTION_DEVICE", "cpu")
TRANSCRIPTION_COMPUTE_TYPE = env_str("TRANSCRIPTION_COMPUTE_TYPE", "int8")
# Non-English testimony gets an English machine translation (Whisper's translate
# task) after its transcript, so English questions find it; False turns it off.
TESTIMONIO_TRANSLATE = env_bool("TESTIMONIO_TRANSLATE", True)

SEARCH_BACKENDS = {
    "default": {
        "BACKEND": env_str("SEARCH_BACKEND", "search.backends.sqlite.SearchBackend"),
        "PATH": str(env_path("SEARCH_SQLITE_PATH", VAR_DIR / "search.sqlite3")),
        "URL": env_str("ELASTICSEARCH_URL", ""),
        # Questions are expanded by the Themes as editors keep them (search/expansion.py).
        "THESAURUS": "search.expansion.archive_thesaurus",
        # Moments found by meaning beside the words (search/meaning.py): a
        # sentence encoder, offline; 0 turns it off (less memory, words only).
        "MEANING": env_bool("SEARCH_MEANING", True),
    }
}

# --- Task queue -------------------------------------------------------------
# Embedded default: a filesystem broker under var/, so `make run` needs no
# service. Production: CELERY_BROKER_URL=redis://... or amqp://...
_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        # Exchange tables; kombu's default is ./control, i.e. the checkout.
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A running job not heard from for this long (seconds) lost its process; every
# live worker looks for such jobs this often (archive/transcripts/jobs.py).
TESTIMONIO_JOB_STALE_AFTER = env_int("TESTIMONIO_JOB_STALE_AFTER", 120)
TESTIMONIO_JOB_SWEEP_EVERY = env_int("TESTIMONIO_JOB_SWEEP_EVERY", 30)
CELERY_BEAT_SCHEDULE = {
    "lift-embargoes": {"task": "archive.tasks.lift_embargoes", "schedule": 3600.0},
    "expire-uploads": {"task": "archive.tasks.expire_uploads", "schedule": 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "faster_whisper": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # bagit says a line per file it moves or hashes: thousands for one backup or bag.
        "bagit": {"level": "WARNING"},
    },
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Cache ----------------------------------------------------------------------
# Rate limits (search, sign-in) count in Django's cache, so every server process
# must see the same one. Embedded default: a folder under var/, which the
# gunicorn workers of one machine share. At scale: CACHE_URL=redis://host:6379/1.
# Tests: memory, unless CACHE_URL is given.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "testimonio",
        }
    }
elif CACHE_URL:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"CACHE_URL={CACHE_URL!r}: only redis:// and rediss:// are supported."
    )
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Searches a minute per client address, the page and the API together
# (search/rate_limit.py).
SEARCH_API_RATE_LIMIT = env_int("SEARCH_API_RATE_LIMIT", 60)

# --- Accounts (django-allauth) ------------------------------------------------
# Educators and researchers sign up with an email address and a password. A new
# account is a registered user and sees public testimony only; staff roles are
# given only in the admin. See archive/accounts/.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out name and address first
    "django.contrib.auth.backends.ModelBackend",  # the Wagtail admin's username login
    "allauth.account.auth_backends.AuthenticationBackend",  # the site's email login
]
ACCOUNT_ADAPTER = "archive.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "archive.accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CHANGE_EMAIL = True
# The same answer for known and unknown addresses on sign-up, sign-in and reset:
# a known address gets an email saying it already has an account.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Testimonio] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if PLAIN_HTTP else "https"
# allauth's throttles, in Django's cache: "ip" is the client address, "key" the
# email address typed (the account). signup_email is ours (archive/accounts/forms.py).
# With several server processes, Django's cache must be shared (e.g. Redis) for
# the counts to be shared too.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/m/ip,50/d/ip",
    "signup_email": "3/h/key",
    "reset_password": "10/m/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Behind a reverse proxy the client address is in X-Forwarded-For: say how many
# proxies to trust, or every visitor shares the proxy's limit.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ALLAUTH_TRUSTED_PROXY_COUNT", 0)

# Staff (editors, archivists, administrators) sign in with a one-time code from
# an authenticator app as well as their password when this is on.
TESTIMONIO_STAFF_TWO_FACTOR = env_bool("TESTIMONIO_STAFF_TWO_FACTOR", False)
OTP_TOTP_ISSUER = "Testimonio"

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failures for one name
# from one address, that pair waits AXES_COOLOFF_MINUTES. Per pair, so nobody
# can lock an editor out of the admin from elsewhere. REMOTE_ADDR only, as for
# the search allowance: a proxy in front must set it.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "config.login_throttle.attempted_username"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Mail ---------------------------------------------------------------------
# Embedded default: the console backend, so `make run` prints the verification
# and password-reset links. At scale: EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
# with EMAIL_HOST and friends. Tests use Django's locmem backend (pytest-django).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Testimonio <noreply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
