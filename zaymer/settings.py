"""Settings from the environment (12-factor). See README for the variables."""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    TIME_ZONE=(str, "Europe/Moscow"),
)

DEBUG = env("DEBUG")
_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_fsm",
    "django_q",
    "django_htmx",
    "simple_history",
    "kernel",
    "loans",
    "cards",
    "scoring",
    "underwriting",
    "collection",
    "feedback",
    "zaymer",
    "demo",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kernel.request_memo.RequestMemoMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "zaymer.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "zaymer.wsgi.application"
ASGI_APPLICATION = "zaymer.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool(
    "PG_PREPARED_STATEMENTS", default=True
):
    # Parameters bound by the server and statements prepared after their second use on a
    # connection: PostgreSQL parses and plans the API's repeated queries once per connection
    # (bench/api.py: about a third more applications per second). Switch off behind a pooler
    # that cannot carry prepared statements across its transactions.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 2)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "admin:login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

Q_CLUSTER = {
    "name": "zaymer",
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=2),
    # A task running longer is stopped; one taken but not acknowledged (its worker died or
    # lost the database) is offered again after `retry` seconds, which must exceed `timeout`.
    "timeout": env.int("Q_TIMEOUT", default=600),
    "retry": env.int("Q_RETRY", default=900),
    "max_attempts": 3,
    "catch_up": False,
    "sync": env.bool("Q_SYNC", default=False),
    "label": "Задачи",
}
if env("Q_BROKER_URL", default=""):
    Q_CLUSTER["redis"] = env("Q_BROKER_URL")
    del Q_CLUSTER["orm"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Borrower API (issue 4) ----------------------------------------------------------------

INSTALLED_APPS += ["drf_spectacular", "drf_spectacular_sidecar", "clientapi"]

REST_FRAMEWORK.update(
    {
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        "EXCEPTION_HANDLER": "clientapi.errors.exception_handler",
        "DEFAULT_THROTTLE_RATES": {
            "code_phone": env("API_RATE_CODE_PHONE", default="5/hour"),
            "code_ip": env("API_RATE_CODE_IP", default="30/hour"),
            "sign_in_phone": env("API_RATE_SIGN_IN_PHONE", default="10/hour"),
            "sign_in_ip": env("API_RATE_SIGN_IN_IP", default="60/hour"),
            "applications": env("API_RATE_APPLICATIONS", default="20/day"),
        },
    }
)

SPECTACULAR_SETTINGS = {
    "TITLE": "Zaymer borrower API",
    "DESCRIPTION": (
        "For the lender's mobile and web apps. Money is in integer kopecks with a currency "
        "code; times are ISO 8601 with an offset; errors share one shape."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PayoutMethodKindEnum": "clientapi.models.PayoutMethodKind",
        "ConsentKindEnum": "clientapi.models.ConsentKind",
        "ProductKindEnum": "loans.models.ProductKind",
        "LoanStatusEnum": "loans.models.LoanStatus",
        "CreditLineStatusEnum": "cards.models.CreditLineStatus",
        "StatementStatusEnum": "cards.models.StatementStatus",
        "DrawKindEnum": "cards.models.DrawKind",
        "TransferStatusEnum": "cards.models.TransferStatus",
        "OfferKindEnum": "feedback.models.OfferKind",
    },
}

# Provider webhooks are signed with HMAC-SHA256 of the raw body under this secret.
_DEV_WEBHOOK_SECRET = "dev-only-webhook-secret"  # noqa: S105
PAYMENT_WEBHOOK_SECRET = env(
    "PAYMENT_WEBHOOK_SECRET", default=_DEV_WEBHOOK_SECRET if DEBUG else None
)
if not PAYMENT_WEBHOOK_SECRET:
    raise ImproperlyConfigured("PAYMENT_WEBHOOK_SECRET must be set when DEBUG is off")
# The payout gateway (loans.gateway.PaymentGateway). The sandbox one keeps a durable record of
# what it paid, from which `manage.py sandbox_statement` exports its settlement report.
PAYMENT_GATEWAY = env("PAYMENT_GATEWAY", default="zaymer.sandbox.RecordingSandboxGateway")
PAYMENT_PAGE_URL = env("PAYMENT_PAGE_URL", default="https://pay.sandbox.invalid/checkout/")
# One-time codes are echoed to the console only in development.
OTP_ECHO_TO_CONSOLE = env.bool("OTP_ECHO_TO_CONSOLE", default=DEBUG)

# --- Staff UI and underwriting (issue 5) ---------------------------------------------------

INSTALLED_APPS += ["axes", "django_filters"]
# Axes last: it watches the whole request for failed sign-ins.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/locked_out.html"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
TEMPLATES[0]["OPTIONS"]["context_processors"] += [
    "django.template.context_processors.i18n",
    "zaymer.navigation.staff_navigation",
]

# Service levels for referred applications, by segment, and how long a held task may sit idle.
UNDERWRITING_SLA_MINUTES = {
    "new": env.float("UNDERWRITING_SLA_NEW_MINUTES", default=10),
    "repeat": env.float("UNDERWRITING_SLA_REPEAT_MINUTES", default=2),
}
# The queue turns a task amber when less than this share of its time is left.
UNDERWRITING_SLA_WARN_SHARE = env.float("UNDERWRITING_SLA_WARN_SHARE", default=0.3)
UNDERWRITING_IDLE_RELEASE_MINUTES = env.float("UNDERWRITING_IDLE_RELEASE_MINUTES", default=5)
UNDERWRITING_DOCUMENT_WAIT_MINUTES = env.float("UNDERWRITING_DOCUMENT_WAIT_MINUTES", default=60)
UNDERWRITING_QUEUE_PAGE_SIZE = 50

# --- Credit bureaus -----------------------------------------------------------------------

# Signing asks the bureaus again (self-ban, the 545-FZ count) when their last answer about the
# borrower is older than this; the signing paths below the top floor reach the check here.
SIGNING_BUREAU_MAX_AGE_HOURS = env.float("SIGNING_BUREAU_MAX_AGE_HOURS", default=4)
SIGNING_BUREAU_CHECK = "zaymer.pipeline.ensure_bureau_answer"

# --- Outbox and throttles ------------------------------------------------------------------

# API throttles must hold across worker processes: their history is a database table that
# migrate creates (clientapi 0003). MAX_ENTRIES keeps a flood of new keys from culling the
# history of the ones being throttled.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttles": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "zaymer_throttle_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
# Benchmarks only: every API throttle lets everything through (a rate of None).
if env.bool("API_THROTTLES_OFF", default=False):
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(
        REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    )
# Persistent database connections (closed when unusable): opening a PostgreSQL connection per
# request costs more than most API requests themselves.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Collection
# Pre-collection reminds borrowers due within this many days whose predicted probability of
# paying late is at least the threshold; a promise to pay may be at most this many days ahead.
COLLECTION_PRECOLLECTION_DAYS = env.int("COLLECTION_PRECOLLECTION_DAYS", default=3)
COLLECTION_PRECOLLECTION_THRESHOLD = env.float("COLLECTION_PRECOLLECTION_THRESHOLD", default=0.3)
COLLECTION_PROMISE_MAX_DAYS = env.int("COLLECTION_PROMISE_MAX_DAYS", default=30)
COLLECTION_WORKLIST_PAGE_SIZE = 50

# --- Production mode (issue 8) -------------------------------------------------------------

MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "zaymer.observability.RequestLogMiddleware",
)
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "zaymer.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's own line per request would repeat ours, with the query string.
    "loggers": {
        "django.server": {"level": "WARNING"},
        # WeasyPrint reports every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The font documents are set in (it must have Cyrillic); installed by the project's files
# (.ci/system-packages: Debian's fonts-dejavu-core). A missing one stops start-up (loans.checks).
DOCUMENT_FONT_FAMILY = env("DOCUMENT_FONT_FAMILY", default="DejaVu Sans")

MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "zaymer.security.AdminSecondFactorMiddleware",
)
# A view that loses the database answers 503 "temporarily unavailable", not a 500.
MIDDLEWARE += ["zaymer.health.DatabaseUnavailableMiddleware"]

# Staff sessions end after 30 minutes without a request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be a long random value of your own")
    # Behind a proxy that terminates TLS and says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Borrower API against abuse (issue 15) -------------------------------------------------

# The client's address (throttles, axes, consents, signatures) is REMOTE_ADDR; X-Forwarded-For
# is read only from these proxies (addresses or CIDR networks), or, when their addresses are not
# known, behind this many proxy hops. See clientapi/client_ip.py.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address") from _exc
AXES_CLIENT_IP_CALLABLE = "clientapi.client_ip.client_ip"

# Every API parser bounds the body and its nesting; staff endpoints refuse borrower tokens.
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["clientapi.parsers.BoundedJSONParser"]
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "rest_framework.authentication.SessionAuthentication",
    "clientapi.auth.StaffTokenAuthentication",
]
# The schema and docs pages are public: a borrower's token on them is not refused. The staff
# API has its own schema (/api/schema/staff/), for staff.
SPECTACULAR_SETTINGS["SERVE_AUTHENTICATION"] = []
SPECTACULAR_SETTINGS["PREPROCESSING_HOOKS"] = ["zaymer.api_urls.borrower_endpoints"]
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "clientapi.schema.common_error_responses",
]

# Signing an offer: codes sent per loan and per phone, and wrong codes per loan across all its
# codes before signing pauses for SIGNING_LOCK_MINUTES (the borrower is told by SMS).
SIGNING_CODES_PER_LOAN = {
    "hour": env.int("SIGNING_CODES_PER_LOAN_HOUR", default=5),
    "day": env.int("SIGNING_CODES_PER_LOAN_DAY", default=10),
}
SIGNING_CODES_PER_PHONE = {
    "hour": env.int("SIGNING_CODES_PER_PHONE_HOUR", default=10),
    "day": env.int("SIGNING_CODES_PER_PHONE_DAY", default=20),
}
SIGNING_WRONG_CODES_PER_LOAN = env.int("SIGNING_WRONG_CODES_PER_LOAN", default=10)
SIGNING_LOCK_MINUTES = env.int("SIGNING_LOCK_MINUTES", default=60)

# Profile updates, per account and per address.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].update(
    {
        "profile": env("API_RATE_PROFILE", default="10/day"),
        "profile_ip": env("API_RATE_PROFILE_IP", default="60/day"),
    }
)
if env.bool("API_THROTTLES_OFF", default=False):
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(
        REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    )

# --- Response headers and production start (issue 15) --------------------------------------

# collectstatic's target; the production-start test collects into a folder of its own.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Pages name static files by their hashed names only, so collectstatic compresses those alone;
# source maps (a developer's tool, megabytes in the API docs' bundles) are left uncompressed.
# Brotli at its best quality over the docs' bundles otherwise takes collectstatic a minute.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# collectstatic leaves out Redoc, which the API docs do not use (they are Swagger UI).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "zaymer.static_finders.AppDirectoriesFinder",
]
INSTALLED_APPS += ["csp"]
# The policy and the headers go on every response, static files included (so before
# WhiteNoise); no-store goes on the API, the admin and every page of a signed-in user.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1, "zaymer.headers.PrivacyHeadersMiddleware"
)
# Scripts and styles only from our own origin, or inline with this response's nonce (the API
# docs page, the printable claim package); no plugins, no framing, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The console: one readable line per request; no traceback for a refused one.
LOGGING["filters"] = {
    "no_client_error_traceback": {"()": "zaymer.observability.NoClientErrorTraceback"}
}
LOGGING["handlers"]["console"]["filters"] = ["no_client_error_traceback"]
# Powerful browser features no page of ours uses are off for them and anything they embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# The admin's second factor is django-otp's TOTP device (zaymer.security): wrong codes are
# counted on the device in the database (its throttling counter, not django-otp's growing
# delays), and five in a row lock it for ADMIN_TOTP_LOCK_MINUTES, whichever session tries.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("zaymer.security.AdminSecondFactorMiddleware"),
    "django_otp.middleware.OTPMiddleware",
)
OTP_TOTP_ISSUER = "Zaymer"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
ADMIN_TOTP_MAX_FAILURES = 5
ADMIN_TOTP_LOCK_MINUTES = env.int("ADMIN_TOTP_LOCK_MINUTES", default=15)
