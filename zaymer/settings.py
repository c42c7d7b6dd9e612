"""Settings from the environment (12-factor). See README for the variables."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

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
    "loans",
    "scoring",
    "underwriting",
    "collection",
    "feedback",
    "zaymer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "loans.request_memo.RequestMemoMiddleware",
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
        "CreditLineStatusEnum": "loans.models.CreditLineStatus",
        "StatementStatusEnum": "loans.models.StatementStatus",
        "DrawKindEnum": "loans.models.DrawKind",
        "TransferStatusEnum": "loans.models.TransferStatus",
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
    "loggers": {"django.server": {"level": "WARNING"}},
}

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
