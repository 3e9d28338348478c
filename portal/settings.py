"""Portal settings: one module, configured from the environment (docs/operations.md).

With nothing set Portal runs embedded: SQLite under var/, an in-memory channel layer,
Celery tasks run eagerly and files are kept under var/objects. Setting DATABASE_URL,
REDIS_URL and S3_* moves it onto PostgreSQL, Redis and S3/MinIO.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import env_bool, env_int, env_list, env_str, require_together

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

PORTAL_ENV = env_str("PORTAL_ENV", "development")
if PORTAL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"PORTAL_ENV must be development or production, got {PORTAL_ENV!r}")
PRODUCTION = PORTAL_ENV == "production"

_DEFAULT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production (PORTAL_ENV=production)")
    if SECRET_KEY == _DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 32 characters in production"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names Portal serves")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "channels",
    "portal.accounts",
    "portal.audit",
    "portal.devices",
    "portal.storage",
    "portal.realtime",
    "messaging",
    "documents",
    "conferencing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.api.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After LocaleMiddleware, so that its refusals speak the Accept-Language.
    "portal.api.middleware.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.middleware.AuthSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    # Under daphne each request runs in a thread of its own, so persistent connections
    # (CONN_MAX_AGE) open one per request; a pool per process keeps PostgreSQL's
    # connection count bounded (docs/performance.md). 0 turns the pool off.
    DATABASE_POOL_MAX_SIZE = env_int("DATABASE_POOL_MAX_SIZE", 20)
    # With PostgreSQL unreachable a request waits at most this long for a connection, then
    # answers 503 service_unavailable with Retry-After (portal/outage.py).
    DATABASE_TIMEOUT = env_int("DATABASE_TIMEOUT", 3)
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", DATABASE_TIMEOUT)
        # Only the send statement is prepared (messaging/services/sql.py): planned once per
        # connection, not on every send as PostgreSQL's custom plans would (1.0 ms of
        # database CPU per send; docs/performance.md).
        options.setdefault("options", "-c plan_cache_mode=force_generic_plan")
        if DATABASE_POOL_MAX_SIZE:
            DATABASES["default"]["CONN_MAX_AGE"] = 0
            options["pool"] = {
                "min_size": 1,
                "max_size": DATABASE_POOL_MAX_SIZE,
                "timeout": DATABASE_TIMEOUT,
            }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # embedded mode keeps everything here
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "portal.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery broker, cache ------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# Keys and pub/sub channels of this deployment (pub/sub ignores the db number).
REDIS_PREFIX = env_str("REDIS_PREFIX", "portal")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "portal.realtime.layers.PubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "prune-event-log": {"task": "portal.realtime.tasks.prune_event_log", "schedule": 3600.0},
    "purge-attachments": {"task": "messaging.tasks.purge_attachments", "schedule": 3600.0},
    "expire-document-uploads": {"task": "documents.tasks.expire_uploads", "schedule": 3600.0},
    "send-email-digests": {
        "task": "messaging.tasks.send_email_digests",
        "schedule": 600.0,
    },
    "send-scheduled-messages": {
        "task": "messaging.tasks.send_scheduled_messages",
        "schedule": 30.0,
    },
    "expire-device-commands": {
        "task": "portal.devices.tasks.expire_device_commands",
        "schedule": 600.0,
    },
    "prune-expired-auth-sessions": {
        "task": "portal.accounts.tasks.prune_expired_auth_sessions",
        "schedule": 3600.0,
    },
    "check-approval-deadlines": {
        "task": "documents.tasks_approval.check_approval_deadlines",
        "schedule": 300.0,
    },
    "sweep-previews": {"task": "documents.tasks.sweep_previews", "schedule": 600.0},
    "sweep-orphan-objects": {"task": "documents.tasks.sweep_orphans", "schedule": 3600.0},
    "remind-conferences": {
        "task": "conferencing.tasks_conferences.send_conference_reminders",
        "schedule": 60.0,
    },
    "expire-conference-guests": {
        "task": "conferencing.tasks_conferences.expire_conference_guests",
        "schedule": 30.0,
    },
    "expire-lost-conference-participants": {
        "task": "conferencing.tasks_conferences.expire_lost_participants",
        "schedule": 15.0,
    },
    "end-overdue-conferences": {
        "task": "conferencing.tasks_conferences.end_overdue_conferences",
        "schedule": 300.0,
    },
    # Calls nobody answered, and calls whose party lost every socket (conferencing/tasks.py).
    "sweep-calls": {"task": "conferencing.tasks.sweep_calls", "schedule": 15.0},
}

# --- Object storage ------------------------------------------------------------------------
if require_together("S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET"):
    STORAGE = {
        "BACKEND": "s3",
        "ENDPOINT": env_str("S3_ENDPOINT"),
        "ACCESS_KEY": env_str("S3_ACCESS_KEY"),
        "SECRET_KEY": env_str("S3_SECRET_KEY"),
        "BUCKET": env_str("S3_BUCKET"),
        "REGION": env_str("S3_REGION", "us-east-1"),
    }
else:
    STORAGE = {"BACKEND": "filesystem", "ROOT": str(VAR_DIR / "objects")}
# A signed download link is valid this many seconds and only for the user it was made for.
DOWNLOAD_LINK_TTL = env_int("DOWNLOAD_LINK_TTL", 60)
# Behind nginx: answer downloads with X-Accel-Redirect to this internal location prefix
# instead of streaming the bytes through Python (docs/storage.md).
STORAGE_X_ACCEL_REDIRECT = env_str("STORAGE_X_ACCEL_REDIRECT", "")

# --- Authentication --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "portal.accounts.backends.ThrottledModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# django-guardian: no "AnonymousUser" row; anonymous callers never hold object permissions.
ANONYMOUS_USER_NAME = None
ACCESS_TOKEN_TTL = env_int("ACCESS_TOKEN_TTL", 3600)
REFRESH_TOKEN_TTL = env_int("REFRESH_TOKEN_TTL", 30 * 24 * 3600)
BROWSER_SESSION_TTL = env_int("BROWSER_SESSION_TTL", 12 * 3600)
SESSION_COOKIE_AGE = BROWSER_SESSION_TTL
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "portal.api.views.csrf_failure"
# Failed sign-ins: this many are free per login+address, then each further one doubles the
# wait, starting at LOGIN_THROTTLE_BASE_DELAY seconds, up to LOGIN_THROTTLE_MAX_DELAY.
LOGIN_THROTTLE_FREE_ATTEMPTS = env_int("LOGIN_THROTTLE_FREE_ATTEMPTS", 5)
LOGIN_THROTTLE_BASE_DELAY = env_int("LOGIN_THROTTLE_BASE_DELAY", 2)
LOGIN_THROTTLE_MAX_DELAY = env_int("LOGIN_THROTTLE_MAX_DELAY", 900)
# Per address over all logins, to slow down password spraying.
LOGIN_THROTTLE_IP_FREE_ATTEMPTS = env_int("LOGIN_THROTTLE_IP_FREE_ATTEMPTS", 30)
# Wrong second-factor codes (sign-in, 2FA confirm/disable, new recovery codes): this many
# are free per user (wherever from) and per address, then the same doubling delays.
OTP_THROTTLE_FREE_ATTEMPTS = env_int("OTP_THROTTLE_FREE_ATTEMPTS", 5)
OTP_THROTTLE_IP_FREE_ATTEMPTS = env_int("OTP_THROTTLE_IP_FREE_ATTEMPTS", 30)
# Trust X-Forwarded-For from a reverse proxy (nginx) for the client address.
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", default=False)
TOTP_ISSUER = env_str("TOTP_ISSUER", "Portal")

# --- HTTPS and security headers (docs/operations.md, "HTTPS and headers") -----------------------
# Every cookie is Secure in production; the CSRF cookie is the only one scripts may read
# (the browser client sends it back in X-CSRFToken).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = LANGUAGE_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
LANGUAGE_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured("SECURE_HSTS_SECONDS must be 0 (off) or a number of seconds")
if (SECURE_HSTS_INCLUDE_SUBDOMAINS or SECURE_HSTS_PRELOAD) and not SECURE_HSTS_SECONDS:
    raise ImproperlyConfigured(
        "SECURE_HSTS_INCLUDE_SUBDOMAINS/SECURE_HSTS_PRELOAD set with SECURE_HSTS_SECONDS=0"
    )
if SECURE_HSTS_PRELOAD and not SECURE_HSTS_INCLUDE_SUBDOMAINS:
    raise ImproperlyConfigured("SECURE_HSTS_PRELOAD needs SECURE_HSTS_INCLUDE_SUBDOMAINS")
# The header the TLS-terminating proxy sets to "https", e.g. X-Forwarded-Proto.
_PROXY_SSL_HEADER = env_str("SECURE_PROXY_SSL_HEADER").strip()
if _PROXY_SSL_HEADER:
    if not _PROXY_SSL_HEADER.replace("-", "").isalnum() or not _PROXY_SSL_HEADER.isascii():
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER must be a header name such as X-Forwarded-Proto, "
            f"got {_PROXY_SSL_HEADER!r}"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
if SECURE_SSL_REDIRECT and USE_X_FORWARDED_FOR and not _PROXY_SSL_HEADER:
    # Behind a proxy that terminates TLS every request would look like plain HTTP and be
    # redirected again and again.
    raise ImproperlyConfigured(
        "SECURE_SSL_REDIRECT behind a proxy (USE_X_FORWARDED_FOR) needs SECURE_PROXY_SSL_HEADER"
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# On every HTML page (portal.api.middleware.SecurityHeadersMiddleware): nothing from outside
# the origin, no inline or evaluated script. Inline styles stay allowed: the admin and
# Swagger UI set style attributes.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)

# --- E-mail (the agency's own SMTP server; off unless EMAIL_HOST is set) -----------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_ENABLED = bool(EMAIL_HOST)
if not EMAIL_ENABLED and (env_str("EMAIL_HOST_USER") or env_str("EMAIL_HOST_PASSWORD")):
    raise ImproperlyConfigured("EMAIL_HOST_USER/EMAIL_HOST_PASSWORD set without EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
if not EMAIL_ENABLED:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

# --- Realtime ---------------------------------------------------------------------------------
EVENT_LOG_RETENTION_SECONDS = env_int("EVENT_LOG_RETENTION_SECONDS", 7 * 24 * 3600)
WEBSOCKET_AUTH_TIMEOUT = env_int("WEBSOCKET_AUTH_TIMEOUT", 10)
# How often each process re-checks its sockets without a doorbell (portal/realtime/consumers.py).
WEBSOCKET_POLL_SECONDS = env_int("WEBSOCKET_POLL_SECONDS", 30)

# --- Conferences (docs/operations.md, "Conferences and Janus") ---------------------------------
# Up to this many participants a conference is a peer-to-peer mesh; beyond, it runs through
# Janus (when configured; otherwise nobody more may join).
CONFERENCE_MESH_MAX = env_int("CONFERENCE_MESH_MAX", 4)
CONFERENCE_MAX_PARTICIPANTS = env_int("CONFERENCE_MAX_PARTICIPANTS", 100)
CONFERENCE_REMINDER_MINUTES = env_int("CONFERENCE_REMINDER_MINUTES", 10)
CONFERENCE_MAX_INVITEES = env_int("CONFERENCE_MAX_INVITEES", 500)
# Janus (the VideoRoom plugin over its HTTP transport): off unless JANUS_URL is set.
# JANUS_URL is the HTTP API Portal drives (an internal address); JANUS_PUBLIC_URL what
# clients are told to use (default: JANUS_URL); JANUS_ADMIN_KEY the VideoRoom plugin's
# admin_key, without which nobody may create rooms.
JANUS_URL = env_str("JANUS_URL")
JANUS_ADMIN_KEY = env_str("JANUS_ADMIN_KEY")
JANUS_ENABLED = require_together("JANUS_URL", "JANUS_ADMIN_KEY")
JANUS_PUBLIC_URL = env_str("JANUS_PUBLIC_URL", JANUS_URL)
JANUS_TIMEOUT_SECONDS = env_int("JANUS_TIMEOUT_SECONDS", 5)
# A joined user whose event sockets all closed leaves the conference after this many seconds.
CONFERENCE_DISCONNECT_GRACE = env_int("CONFERENCE_DISCONNECT_GRACE", 60)
if CONFERENCE_DISCONNECT_GRACE <= WEBSOCKET_POLL_SECONDS:
    # Another socket of the same user proves they are alive only when its poll renews it.
    raise ImproperlyConfigured(
        "CONFERENCE_DISCONNECT_GRACE must be longer than WEBSOCKET_POLL_SECONDS"
    )
if CONFERENCE_MESH_MAX < 2 or CONFERENCE_MAX_PARTICIPANTS < CONFERENCE_MESH_MAX:
    raise ImproperlyConfigured(
        "CONFERENCE_MESH_MAX must be 2 or more, and CONFERENCE_MAX_PARTICIPANTS at least as much"
    )
# --- Calls: ringing, signalling, TURN (docs/operations.md, "Calls and TURN") ---------------------
# A call nobody answers is missed after this many seconds (the server ends it even if the
# caller vanished); a party whose sockets all closed ends an answered call after the grace.
CALL_RING_TIMEOUT = env_int("CALL_RING_TIMEOUT", 45)
CALL_DISCONNECT_GRACE = env_int("CALL_DISCONNECT_GRACE", 40)
# Signalling frames (SDP and ICE candidates) each socket may send: a burst of this many,
# refilled at CALL_SIGNAL_RATE per second; more are refused with an error frame.
CALL_SIGNAL_BURST = env_int("CALL_SIGNAL_BURST", 100)
CALL_SIGNAL_RATE = env_int("CALL_SIGNAL_RATE", 20)
if CALL_RING_TIMEOUT < 5:
    raise ImproperlyConfigured("CALL_RING_TIMEOUT must be 5 seconds or more")
if CALL_DISCONNECT_GRACE <= WEBSOCKET_POLL_SECONDS:
    # Another socket of the same session proves it is alive only when its poll renews it.
    raise ImproperlyConfigured("CALL_DISCONNECT_GRACE must be longer than WEBSOCKET_POLL_SECONDS")
# STUN/TURN servers handed to clients (GET /api/v1/calls/ice-servers). TURN is off unless
# TURN_SECRET (coturn's static-auth-secret; or TURN_SECRET_FILE) and TURN_URLS are both set;
# STUN_URLS alone hands out STUN only. Credentials expire after TURN_TTL seconds.
TURN_SECRET = env_str("TURN_SECRET")
TURN_URLS = env_list("TURN_URLS")
STUN_URLS = env_list("STUN_URLS")
TURN_TTL = env_int("TURN_TTL", 24 * 3600)
if bool(TURN_SECRET) != bool(TURN_URLS):
    raise ImproperlyConfigured(
        "TURN_SECRET and TURN_URLS must be set together (TURN is off when neither is)"
    )
for _url in TURN_URLS:
    if not _url.startswith(("turn:", "turns:")):
        raise ImproperlyConfigured(f"TURN_URLS: {_url!r} is not a turn: or turns: URL")
for _url in STUN_URLS:
    if not _url.startswith(("stun:", "stuns:")):
        raise ImproperlyConfigured(f"STUN_URLS: {_url!r} is not a stun: or stuns: URL")
if TURN_SECRET and len(TURN_SECRET) < 16:
    raise ImproperlyConfigured("TURN_SECRET must be at least 16 characters")
if not 60 <= TURN_TTL <= 7 * 24 * 3600:
    raise ImproperlyConfigured("TURN_TTL must be from 60 seconds to 7 days")
# What clients pass as RTCPeerConnection's iceTransportPolicy: "all" (peer to peer when the
# network allows, the relay otherwise) or "relay" (media only through the TURN server: no
# address of the device reaches the other party; needs TURN).
CALL_ICE_TRANSPORT_POLICY = env_str("CALL_ICE_TRANSPORT_POLICY", "all")
if CALL_ICE_TRANSPORT_POLICY not in ("all", "relay"):
    raise ImproperlyConfigured("CALL_ICE_TRANSPORT_POLICY must be all or relay")
if CALL_ICE_TRANSPORT_POLICY == "relay" and not TURN_SECRET:
    raise ImproperlyConfigured("CALL_ICE_TRANSPORT_POLICY=relay needs TURN_SECRET and TURN_URLS")

# --- HTTP limits -------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 1024 * 1024)
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 100 * 1024 * 1024)
# A document's file: at most this many bytes (a larger one goes through the resumable
# upload in parts of DOCUMENT_UPLOAD_PART_BYTES; docs/documents.md).
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 4 * 1024**3)
DOCUMENT_UPLOAD_PART_BYTES = env_int("DOCUMENT_UPLOAD_PART_BYTES", 8 * 1024 * 1024)
# An object written for a version whose transaction then rolled back is deleted by the
# hourly sweep once it is this many seconds old (documents/services/orphans.py).
DOCUMENT_ORPHAN_GRACE = env_int("DOCUMENT_ORPHAN_GRACE", 3600)
# One editing socket may send this many messages a second (Yjs updates, awareness), in
# bursts of up to COLLAB_MESSAGE_BURST; past that it is closed with 4429 (docs/collab.md).
COLLAB_MESSAGE_RATE = env_int("COLLAB_MESSAGE_RATE", 50)
COLLAB_MESSAGE_BURST = env_int("COLLAB_MESSAGE_BURST", 300)
# Longer query strings get 414; more parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS get 400.
MAX_QUERY_STRING_BYTES = env_int("MAX_QUERY_STRING_BYTES", 16 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("MAX_REQUEST_FIELDS", 1000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 10 * 1024 * 1024)
AVATAR_SIZES = (64, 128, 256)

# --- Document previews and watermarks (docs/documents.md) --------------------------------------
# How many first pages of a PDF (or of an office file converted to PDF) become images.
PREVIEW_PDF_PAGES = env_int("PREVIEW_PDF_PAGES", 5)
# Larger files get no preview (status failed).
PREVIEW_MAX_BYTES = env_int("PREVIEW_MAX_BYTES", 200 * 1024 * 1024)
# LibreOffice for office files: the program (empty: `soffice` or `libreoffice` on PATH), the
# seconds one conversion may take before it is killed, and how much an office file (a zip)
# may unpack to before it is refused unopened.
OFFICE_CONVERTER = env_str("OFFICE_CONVERTER", "")
OFFICE_CONVERT_TIMEOUT = env_int("OFFICE_CONVERT_TIMEOUT", 120)
OFFICE_MAX_UNPACKED_BYTES = env_int("OFFICE_MAX_UNPACKED_BYTES", 512 * 1024 * 1024)
# With an agency's watermark on, PDFs up to this size are stamped for each viewer (through a
# temporary file); larger ones are refused. The font must have Cyrillic (Debian's
# fonts-dejavu-core).
WATERMARK_PDF_MAX_BYTES = env_int("WATERMARK_PDF_MAX_BYTES", 200 * 1024 * 1024)
WATERMARK_FONT = env_str("WATERMARK_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# --- API -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # A conference guest's pass: accepted by its own conference's endpoints, answered
        # 404 everywhere else (conferencing/api/auth_conferences.py).
        "conferencing.api.auth_conferences.GuestAuthentication",
        "portal.accounts.authentication.BearerTokenAuthentication",
        "portal.accounts.authentication.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.permissions.IsSignedIn"],
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_RATE_USER", "600/min"),
        "message_send": env_str("MESSAGE_RATE", "60/min"),
        "download": env_str("DOWNLOAD_RATE", "3000/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("Portal API"),
    "DESCRIPTION": _(
        "REST API of Portal. Sign-in, sessions and errors: docs/api.md; the websocket events "
        "and frames: x-websocket-events and x-websocket-frames here, docs/realtime.md."
    ),
    "TAGS": [
        {"name": "auth", "description": _("Sign-in, tokens and sessions")},
        {"name": "2fa", "description": _("Two-factor sign-in")},
        {"name": "users", "description": _("The caller's profile and the staff directory")},
        {"name": "organisation", "description": _("Agencies and departments")},
        {"name": "messaging", "description": _("Conversations, messages, threads, search")},
        {"name": "notifications", "description": _("In-app notifications")},
        {"name": "devices", "description": _("What apps call: check-in, commands")},
        {"name": "files", "description": _("Downloads behind signed links")},
        {"name": "admin", "description": _("Devices and policies, for IT staff")},
        {"name": "calls", "description": _("One-to-one calls, call history, ICE servers")},
    ],
    "VERSION": "1",
    # 3.1: a nullable reference (``"poll": null``) is expressible only from 3.1 on.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # After the enums: an event's type and op stay inline constants, not enum components.
        "portal.api.events_schema.add_websocket_events",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ConversationKindEnum": "messaging.models.Conversation.Kind",
        "DeviceCommandKindEnum": "portal.devices.models.DeviceCommand.Kind",
        "SessionKindEnum": "portal.accounts.models.AuthSession.Kind",
        "ScheduledMessageStateEnum": "messaging.models.ScheduledMessage.State",
        "DeviceCommandStateEnum": "portal.devices.models.DeviceCommand.State",
        "SystemEventEnum": "messaging.api.serializers.SYSTEM_EVENTS",
        # Kept under the names they had before documents brought other roles and statuses.
        "RoleEnum": "messaging.models.Membership.Role",
        "StatusEnum": "portal.devices.models.Device.Status",
        "DocumentKindEnum": "documents.models.Document.Kind",
        "DocumentStatusEnum": "documents.models.Document.Status",
        "DocumentRoleEnum": "documents.models.Role",
        "DocumentOwnerKindEnum": "documents.api.serializers_files.OWNER_KINDS",
        "ApprovalStageKindEnum": "documents.models.ApprovalStage.Kind",
        "ApprovalRouteStatusEnum": "documents.models.ApprovalRoute.Status",
        "PreviewStatusEnum": "documents.models.previews.Preview.Status",
        "CallKindEnum": "conferencing.models.Call.Kind",
        "CallStateEnum": "conferencing.models.Call.State",
    },
}

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

# The built browser client (`make frontend-build`), served by portal/web.
FRONTEND_DIST = env_str("FRONTEND_DIST", str(BASE_DIR / "frontend" / "dist"))

STATIC_URL = "static/"
STATIC_ROOT = env_str("STATIC_ROOT", str(VAR_DIR / "static"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"outage": {"()": "portal.outage.OutageLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR", "filters": ["outage"]},
        "channels_redis.pubsub": {"filters": ["outage"]},
    },
}
