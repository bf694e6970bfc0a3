"""Settings, read from the environment.

DJANGO_ENV picks the mode: `development` (default; works with no configuration),
`test` (what `make test` uses) or `production` (no insecure default: the required
variables must be set, or start-up stops with a line naming the missing one).
"""

import logging
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

from clinic.dev_secrets import dev_secret

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"


def required(name: str, dev_default: str) -> str:
    """The variable's value; in production a missing one stops start-up, naming it."""
    value = env.str(name, default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return dev_default


# Development and tests sign with a random key made once in var/secrets/ (never one
# printed in the source: anyone could forge message links with it).
SECRET_KEY = required("DJANGO_SECRET_KEY", "") or dev_secret(
    BASE_DIR / "var" / "secrets", "django-secret-key"
)
DEBUG = env.bool("DJANGO_DEBUG", default=DJANGO_ENV == "development")
ALLOWED_HOSTS = required("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

CLINIC_NAME = env.str("CLINIC_NAME", default="MED CITY Clinic")
CLINIC_PHONE = env.str("CLINIC_PHONE", default="+380 44 000 0000")
# Shown in emails, calendar entries (with a map link) and on receipts.
CLINIC_ADDRESS = env.str("CLINIC_ADDRESS", default="12 Khreshchatyk St, Kyiv 01001")
CLINIC_MAP_URL = env.str(
    "CLINIC_MAP_URL",
    default="https://www.openstreetmap.org/search?query=12+Khreshchatyk+St%2C+Kyiv",
)
TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="Europe/Kyiv")
CLINIC_RECORD_RETENTION_REASON = env.str(
    "CLINIC_RECORD_RETENTION_REASON",
    default="Medical records are kept for the retention period that health law requires.",
)
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and time format per language, set once for pages, emails and PDFs: day first
# and 24-hour in both (clinic/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["clinic.formats"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",  # API tokens: hashed, expiring, revocable (clinic.tokens)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "simple_history",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "django_guid",
    "clinic",
    "treatments",
    "patients",
    "appointments",
    "messaging",
    "djmoney",
    "billing",
    "chart",
    "desk",
    "reports",
    "manager",
    "demo",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",  # first: every later log line has the request id
    "django.middleware.security.SecurityMiddleware",
    "clinic.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clinic.security.StaffSecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

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
                "django.template.context_processors.i18n",
                "clinic.context_processors.clinic",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
_db_port = env.str("CLINIC_DB_PORT", default="5432")
DATABASES = {
    "default": env.db_url_config(
        required(
            "DATABASE_URL",
            f"postgres://clinic:clinic@127.0.0.1:{_db_port}/"
            + env.str("CLINIC_DB_NAME", default="clinic"),
        )
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# A connection kept across requests is checked before reuse, so a restarted database or
# pooler costs one failed ping, not a failed request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind pgbouncer in transaction mode a server-side cursor may not outlive its
# transaction's server connection: set DJANGO_DB_TRANSACTION_POOLER=true there.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DJANGO_DB_TRANSACTION_POOLER", default=False
)
# The hot paths' statements are prepared once a session (clinic.prepared); not behind a
# transaction-mode pooler, whose next transaction may get another server session.
CLINIC_DB_PREPARE = not DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"]
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...)")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, the shared cache and Celery -----------------------------------------------
REDIS_URL = required("REDIS_URL", "redis://127.0.0.1:6379/" + ("15" if TESTING else "0"))
# One cache for every process and host (Redis, a database number of its own): sessions,
# allauth's rate limits and used authenticator codes, DRF throttles, users' roles
# (clinic.access) and the app's own caches. A per-process cache would let each worker
# count its own limits and accept a used code again.
# CACHE_URL defaults to the broker's Redis, database 1 (13 in tests).
CACHE_URL = env.str("CACHE_URL", default="") or urlunsplit(
    urlsplit(REDIS_URL)._replace(path="/13" if TESTING else "/1")
)
if urlsplit(CACHE_URL)._replace(query="") == urlsplit(REDIS_URL)._replace(query=""):
    # clearing the cache (FLUSHDB) would drop the queued tasks and the beat schedule
    raise ImproperlyConfigured("CACHE_URL must name another Redis database than REDIS_URL")
# django-redis rather than Django's RedisCache: Django's builds a new redis.Redis client
# object for every operation, 0.19 ms of CPU per read against 0.11 ms with django-redis,
# which keeps its client; the day page reads the cache three times per request.
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="clinic"),
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the task to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_RESULT_EXPIRES = 3600
# Keep a worker's database connection across tasks (Celery's Django fixup would open a new
# one for every task); tasks close it when unusable or older than CONN_MAX_AGE.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# The outbox sweep (messaging.dispatch): how often beat hands due messages out.
MESSAGES_SWEEP_SECONDS = env.float("MESSAGES_SWEEP_SECONDS", default=60.0)
FOLLOW_UPS_SECONDS = env.float("FOLLOW_UPS_SECONDS", default=3600.0)  # recalls, surveys
# Forms still unanswered 48 h before a visit (messaging.form_reminders).
FORM_REMINDERS_SECONDS = env.float("FORM_REMINDERS_SECONDS", default=900.0)
# Audit trail head export (clinic.audit.audit_head_export): how often beat sends it.
AUDIT_HEAD_EXPORT_SECONDS = env.float("AUDIT_HEAD_EXPORT_SECONDS", default=300.0)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "clinic.tasks.heartbeat", "schedule": 60.0},
    "messages-sweep": {
        "task": "messaging.tasks.sweep_outbox",
        "schedule": MESSAGES_SWEEP_SECONDS,
        # A sweep left in the queue while no worker ran is useless once the next is due.
        "options": {"expires": MESSAGES_SWEEP_SECONDS},
    },
    # Housekeeping (SPEC S12). Offers expire within minutes, so they are checked each minute.
    "waitlist-expire-offers": {
        "task": "appointments.tasks.expire_waitlist_offers",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # A lapsed hold no longer counts for availability; this gives its row back for good.
    "holds-release-lapsed": {
        "task": "appointments.tasks.release_lapsed_holds",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # A package bought online and not paid within PACKAGE_ONLINE_PAY_MINUTES is cancelled.
    "packages-cancel-unpaid": {
        "task": "billing.tasks.cancel_unpaid_packages",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # An online booking's deposit whose hold lapsed unpaid: its invoice is credited.
    "deposits-void-lapsed": {
        "task": "billing.tasks.void_lapsed_deposits",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    "idempotency-keys-prune": {
        "task": "appointments.tasks.prune_idempotency_keys",
        "schedule": 3600.0,
    },
    "sessions-clear-expired": {
        "task": "clinic.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=10),  # clinic time (CELERY_TIMEZONE)
    },
    "tokens-clear-expired": {
        "task": "clinic.tasks.clear_expired_tokens",
        "schedule": crontab(hour=3, minute=20),
    },
    # Recalls and surveys after finished courses (SPEC S11): due by the day, so hourly.
    "follow-ups-plan": {
        "task": "messaging.tasks.plan_follow_ups",
        "schedule": FOLLOW_UPS_SECONDS,
        "options": {"expires": FOLLOW_UPS_SECONDS},
    },
    "form-reminders-plan": {
        "task": "messaging.tasks.plan_form_reminders",
        "schedule": FORM_REMINDERS_SECONDS,
        "options": {"expires": FORM_REMINDERS_SECONDS},
    },
    "outbox-prune": {
        "task": "messaging.tasks.prune_outbox",
        "schedule": crontab(hour=3, minute=40),
    },
    # The audit trail's head goes out of the database (a file and a log line), so that
    # deleting its newest rows, or all of them, shows in `manage.py audit_verify`.
    "audit-export-head": {
        "task": "clinic.tasks.audit_export_head",
        "schedule": AUDIT_HEAD_EXPORT_SECONDS,
        "options": {"expires": AUDIT_HEAD_EXPORT_SECONDS},
    },
}
# One beat per deployment, however many hosts start one: celery-redbeat keeps the schedule
# in Redis and runs it only in the beat that holds a lock there; the others wait for the
# lock and take over within CELERY_BEAT_LOCK_TIMEOUT seconds when its holder dies.
CELERY_BEAT_SCHEDULER = "clinic.beat.ClinicBeatScheduler"  # redbeat, riding out Redis restarts
CELERY_REDBEAT_REDIS_URL = REDIS_URL
CELERY_REDBEAT_REDIS_OPTIONS = CELERY_BROKER_TRANSPORT_OPTIONS
CELERY_REDBEAT_KEY_PREFIX = "clinic:redbeat:"
CELERY_BEAT_MAX_LOOP_INTERVAL = 10  # how often beat wakes up, at most (and renews its lock)
CELERY_REDBEAT_LOCK_TIMEOUT = env.int("CELERY_BEAT_LOCK_TIMEOUT", default=60)

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:  # hashing is not what the tests measure
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login outright
    # allauth's (username or email), with each request's user from the shared cache
    "clinic.backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "appointments:mine"
# django-allauth (65.x setting names): email or username to log in (the demo logins are
# usernames), a verified email before the first login, sign-up collects the patient's
# name and date of birth and links a record reception registered with the same email.
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# A changed address replaces the old one only once its confirmation link is opened (the
# patient's profile page; patients.services.patient_email_confirmed).
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{CLINIC_NAME}] "
ACCOUNT_ADAPTER = "patients.accounts.PatientAccountAdapter"
ACCOUNT_USER_DISPLAY = "patients.accounts.user_display"  # a name, not a made-up username
ACCOUNT_FORMS = {
    "login": "patients.forms.PatientLoginForm",
    "signup": "patients.forms.PatientSignupForm",
}
# Two-factor login (allauth.mfa): staff must use it (clinic.security), patients may.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = CLINIC_NAME
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=15 * 60)
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_SECONDS", default=12 * 60 * 60)
# Login throttling. Passwords (django-axes, counted in the database): 5 failures for one
# person from one address lock the login for 15 minutes, whether they typed the username
# or an email address (clinic.security.login_name). Authenticator codes (allauth's
# "login_failed" limit, counted per account in the shared cache, on the web and the API
# token endpoint alike): 5 wrong codes in 15 minutes lock the code step of the account
# until the oldest of them is 15 minutes old; 10 failures a minute from one address too.
# The password step leaves allauth's count to django-axes (patients.accounts), which
# shows the lockout page. allauth's other rate limits keep their defaults.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/15m/key"}
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "clinic.security.login_name"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_RESET_ON_SUCCESS = True
PHONENUMBER_DEFAULT_REGION = env.str("CLINIC_PHONE_REGION", default="UA")
PHONENUMBER_DB_FORMAT = "E164"

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Private clinical files: photos, signed consent PDFs ------------------------------
# Never under a public URL: files are read back only by views that check the role and
# the patient and write an audit row. The filesystem under var/private/ by default; any
# S3-compatible store (private bucket) when CLINIC_FILES_S3_BUCKET is set.
CLINIC_FILES_S3_BUCKET = env.str("CLINIC_FILES_S3_BUCKET", default="")
if CLINIC_FILES_S3_BUCKET:
    STORAGES["clinical"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CLINIC_FILES_S3_BUCKET,
            "endpoint_url": env.str("CLINIC_FILES_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("CLINIC_FILES_S3_REGION", default="") or None,
            "access_key": env.str("CLINIC_FILES_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("CLINIC_FILES_S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    STORAGES["clinical"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.str("CLINIC_FILES_DIR", default=str(BASE_DIR / "var" / "private")),
            "directory_permissions_mode": 0o700,
            "file_permissions_mode": 0o600,
        },
    }
PHOTO_MAX_UPLOAD_MB = env.int("PHOTO_MAX_UPLOAD_MB", default=25)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=50_000_000)  # a 48 MP phone fits
PHOTO_MAX_EDGE = env.int("PHOTO_MAX_EDGE", default=2560)  # stored photos are capped to this
PHOTO_THUMB_EDGE = 320
# Uploads larger than this get their thumbnail from the Celery worker, off the request.
PHOTO_THUMB_ASYNC_BYTES = env.int("PHOTO_THUMB_ASYNC_BYTES", default=2_000_000)

# --- Email ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="clinic@example.com")
if PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:  # development: every message is a file a person can read
    EMAIL_BACKEND = "messaging.email.FileBackend"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_BACKEND)
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10

# A booking write's Idempotency-Key is replayed for this long, then forgotten.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)

# --- Patient messages (the outbox in messaging, SPEC S5) ------------------
# Links in messages point here: the address patients reach the clinic at (required in
# production: a guessed one sends dead links). `make run` sets it to what it serves.
CLINIC_BASE_URL = required("CLINIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", CLINIC_BASE_URL):
    raise ImproperlyConfigured(
        f"CLINIC_BASE_URL must be an http(s) address such as https://clinic.example.com, "
        f"not {CLINIC_BASE_URL!r}"
    )
MESSAGES_FROM_EMAIL = env.str("MESSAGES_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
# The outbox's backend (messaging.delivery records a message sent once this returned).
MESSAGES_EMAIL_BACKEND = env.str("MESSAGES_EMAIL_BACKEND", default=EMAIL_BACKEND)
SMS_BACKEND = env.str(
    "SMS_BACKEND",
    default="messaging.sms."
    + {"production": "DisabledSmsBackend", "test": "LocmemSmsBackend"}.get(
        DJANGO_ENV, "FileSmsBackend"
    ),
)
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms"))
MESSAGES_BATCH_SIZE = env.int("MESSAGES_BATCH_SIZE", default=50)  # rows per deliver task
MESSAGES_SWEEP_LIMIT = env.int("MESSAGES_SWEEP_LIMIT", default=50_000)  # rows per sweep
MESSAGES_REDISPATCH_SECONDS = env.int("MESSAGES_REDISPATCH_SECONDS", default=300)
MESSAGES_CLAIM_LEASE_SECONDS = env.int("MESSAGES_CLAIM_LEASE_SECONDS", default=120)
MESSAGES_MAX_ATTEMPTS = env.int("MESSAGES_MAX_ATTEMPTS", default=5)
MESSAGES_RETRY_BASE_SECONDS = env.int("MESSAGES_RETRY_BASE_SECONDS", default=60)
MESSAGES_LINK_MAX_AGE_DAYS = env.int("MESSAGES_LINK_MAX_AGE_DAYS", default=120)
# Final messages (sent, failed, void, skipped) are pruned this long after creation.
MESSAGES_RETENTION_DAYS = env.int("MESSAGES_RETENTION_DAYS", default=400)

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous caller gets 401 with a WWW-Authenticate header.
        # Each applies the staff second-factor rule to what it accepts (clinic.authentication).
        "clinic.authentication.TokenAuthentication",
        "clinic.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON in, JSON out; the parser limits nesting and refuses control characters first.
    "DEFAULT_PARSER_CLASSES": ["clinic.parsers.CheckedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["clinic.api.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "clinic.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "clinic.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
# API tokens (django-rest-knox through clinic.tokens): staff tokens last a working day,
# patients' a month; both are revoked by a password change, logging out (everywhere) and
# deactivation. `Authorization: Token <token>`, as with DRF's tokens.
API_TOKEN_STAFF_HOURS = env.int("API_TOKEN_STAFF_HOURS", default=10)
API_TOKEN_PATIENT_DAYS = env.int("API_TOKEN_PATIENT_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_STAFF_HOURS),  # knox's default; ours: clinic.tokens
    "AUTO_REFRESH": False,  # an expiry is an expiry: the person logs in again
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic booking API",
    "DESCRIPTION": "Treatments, availability, bookings, courses and patients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clinic.schema.add_error_responses",
        "clinic.schema.close_request_bodies",
        "clinic.schema.time_as_pattern",
    ],
    # Every <int:...> in an API path is a row's id: a positive bigint.
    "PATH_CONVERTER_OVERRIDES": {
        "int": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    },
    "SWAGGER_UI_DIST": "SIDECAR",  # served by us, not a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "BodyAreaEnum": "treatments.models.BodyArea",
        "ReviewStatusEnum": "patients.models.ReviewStatus",
        "SignatureStatusEnum": "patients.models.ConsultationStatus",  # draft or signed
        "AppointmentStatusEnum": "appointments.models.Status",
        "CourseStatusEnum": "appointments.models.CourseStatus",
        "WaitlistStatusEnum": "appointments.models.WaitlistStatus",
        "WaitlistOfferStatusEnum": "appointments.models.OfferStatus",
        "MessageStatusEnum": "messaging.models.MessageStatus",
        "PaymentMethodEnum": "billing.models.Method",
        "InvoiceLineKindEnum": "billing.models.LineKind",
    },
}

# --- Security -------------------------------------------------------------------------
# Content-Security-Policy (django-csp): the pages load scripts and styles only from here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Sessions are read from the shared cache and written through to the database, so a
# session outlives a Redis restart or eviction (Django's cached_db).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "clinic.errors.csrf_failure"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the CSRF token from the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP

# --- Audit trail (clinic.audit, README "Audit trail") ------------------------------------
# The chain is keyed, HMAC-SHA256: without this key, whoever can write the table (the app's
# own database login included) cannot make an edited, forged or re-chained row verify.
# It lives outside the database, the same on every host, and never changes (rows written
# under another key fail `audit_verify`). Development makes one in var/secrets/ once.
AUDIT_HMAC_KEY = required("AUDIT_HMAC_KEY", "") or (
    "test-only-audit-hmac-key-not-a-secret-0123456789"
    if TESTING
    else dev_secret(BASE_DIR / "var" / "secrets", "audit-hmac-key")
)
if len(AUDIT_HMAC_KEY) < 32:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must be at least 32 characters long")
# The exported heads: one JSON line appended per export, read by `audit_verify`; by default
# one file per database, so a development machine's several databases do not mix. Empty:
# no file (the log line only), the tests' default (a test that needs one sets its own).
AUDIT_HEAD_FILE = env.str(
    "AUDIT_HEAD_FILE",
    default=""
    if TESTING
    else str(BASE_DIR / "var" / "audit" / f"head-{DATABASES['default']['NAME']}.jsonl"),
)
# The role that owns the audit table once `manage.py audit_lock` ran (NOLOGIN: nobody logs
# in as it), and the privileged login that command connects with. The app's own role keeps
# only INSERT and SELECT on the table.
AUDIT_OWNER_ROLE = env.str("AUDIT_OWNER_ROLE", default="clinic_audit_owner")
AUDIT_ADMIN_DATABASE_URL = env.str("AUDIT_ADMIN_DATABASE_URL", default="")

# --- Logs and errors ------------------------------------------------------------------
# One JSON object a line. Each carries the request's id (django-guid: the X-Request-ID the
# client or proxy sent if it is a UUID, else a new one, returned in the response), and a
# Celery task carries the id of the request or task that enqueued it.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="json")  # or "plain", for reading by eye
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId"},
        "task_ids": {"()": "django_guid.integrations.celery.log_filters.CeleryTracing"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(correlation_id)s",
            "timestamp": "time",  # ISO 8601, UTC
            "rename_fields": {
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "task_ids"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes.apps": {"level": "WARNING"},  # its start-up banner, on every command
        "django_guid": {"level": "WARNING"},  # a line per request and task otherwise
        "weasyprint": {"level": "WARNING"},  # progress lines for every PDF otherwise
        "fontTools": {"level": "WARNING"},  # WeasyPrint's font subsetting, likewise
    },
}

# Python's warnings (a missing static folder, a deprecation) become log records too, so
# every line a process writes is one JSON object.
logging.captureWarnings(True)

# Errors to an error tracker (Sentry or a compatible one) when a DSN is configured. Medical
# data stays here: no request bodies, no local variables, no user details in the reports.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=DJANGO_ENV,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=0.0,
    )


# Money (billing): exact decimals with a currency, never floats. One clinic, one currency.
CLINIC_CURRENCY = env.str("CLINIC_CURRENCY", default="UAH")
DEFAULT_CURRENCY = CLINIC_CURRENCY
CURRENCIES = (CLINIC_CURRENCY,)
CLINIC_TAX_ID = env.str("CLINIC_TAX_ID", default="")
# Online payments: "test" (development and tests: no money moves) or "stripe".
BILLING_PROVIDER = env.str("BILLING_PROVIDER", default="test")
BILLING_TEST_WEBHOOK_SECRET = env.str("BILLING_TEST_WEBHOOK_SECRET", default="whsec_test_clinic")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Another address for Stripe's API (stripe-mock, or a test's local server); empty: Stripe's.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Minutes a package bought online waits for its payment before housekeeping cancels it.
PACKAGE_ONLINE_PAY_MINUTES = env.int("PACKAGE_ONLINE_PAY_MINUTES", default=30)
if DJANGO_ENV == "production" and BILLING_PROVIDER == "stripe":
    STRIPE_SECRET_KEY = required("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = required("STRIPE_WEBHOOK_SECRET", "")
# Stripe's hosted card page: the patient's "Pay" form is answered with a redirect there,
# which the browser allows only when CSP's form-action names its origin.
STRIPE_CHECKOUT_ORIGIN = env.str("STRIPE_CHECKOUT_ORIGIN", default="https://checkout.stripe.com")
if BILLING_PROVIDER == "stripe":
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(STRIPE_CHECKOUT_ORIGIN)
