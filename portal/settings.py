"""Settings, read from the environment (see the README for every variable)."""

import secrets
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (written by `make run`, never committed) fills what the environment leaves unset.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    # Development without a .env: sessions last until the server restarts.
    return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "csp",
    "portal",
    "onboarding",
    "customers",
    "invoices",
    "webhooks",
    # After the portal, whose db_worker command extends django-tasks-db's (see portal.worker).
    "django_tasks",
    "django_tasks_db",
    "health_check",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Answers the load balancer's /health/ before host validation (portal.health_middleware).
    "portal.health_middleware.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "onboarding.tenancy.CurrentEnvironmentMiddleware",
    "portal.csp.ContentSecurityPolicyMiddleware",
    "portal.not_allowed.NotAllowedPageMiddleware",
    "portal.problems.NotFoundExplainedMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "portal.context_processors.portal",
                "csp.context_processors.nonce",
            ],
        },
    },
    {
        # The portal's plain-text mail (portal.mail): written as typed, without the escaping
        # a web page needs, so that "Bakker & Zn" does not arrive as "Bakker &amp; Zn".
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A connection outlives its request (unless DATABASE_URL says ?conn_max_age=0): PostgreSQL
# starts a server process for each new connection, which took longer than an API call
# itself. One that broke meanwhile is noticed and replaced before it is used. This holds
# under WSGI (gunicorn, see the README); under an ASGI server each request runs in a thread
# of its own and persistent connections pile up (a known Django issue): there, set
# DATABASE_CONN_MAX_AGE=0.
DATABASES["default"].setdefault("CONN_MAX_AGE",
                                env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A customer import writes all its rows in one transaction; in WAL mode the pages that
    # show its progress keep reading meanwhile, and other writers wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "init_command", "PRAGMA journal_mode=WAL;")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 30)
    # A transaction that reads and then writes cannot upgrade its lock in WAL mode: SQLite
    # answers "database is locked" at once instead of waiting. Taking the write lock at
    # BEGIN makes concurrent writers queue up for the timeout above.
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# How long a cache operation waits for Redis to connect or answer. A Redis that is down or
# hangs then costs a request this much once, after which portal.cache answers as an empty
# cache (see there): sign-in and the API carry on without it.
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.5)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "portal.cache.PortalRedisCache"
    _cache_options = CACHES["default"].setdefault("OPTIONS", {})
    _cache_options.setdefault("socket_connect_timeout", CACHE_TIMEOUT_SECONDS)
    _cache_options.setdefault("socket_timeout", CACHE_TIMEOUT_SECONDS)

AUTH_USER_MODEL = "onboarding.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "onboarding.passwords.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "onboarding:dashboard"

# Accounts: sign-in by email, verified addresses only.
ACCOUNT_ADAPTER = "onboarding.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "onboarding.forms.signup.SignupForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int("EMAIL_CONFIRMATION_EXPIRE_DAYS", default=3)
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_MAX_EMAIL_ADDRESSES = 10
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Adding, removing or making another address primary asks for the password again.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# A mail to the account for each change to its password, addresses and second factor.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Password reset finds accounts by confirmed addresses only; sign-up lets the owner of an
# address that another account only listed unconfirmed sign up with it.
ACCOUNT_FORMS = {
    "reset_password": "onboarding.forms.accounts.ResetPasswordForm",
    "signup": "onboarding.forms.accounts.SignupForm",
}
# Reverse proxies in front of the portal that append to X-Forwarded-For: the client's address
# is the entry this many from the end. 0 ignores the header (no proxy, or one that replaces it
# and sets REMOTE_ADDR); too low makes every user share the proxy's limits.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Peppol onboarding portal")
MFA_ADAPTER = "onboarding.adapters.MFAAdapter"
# Fernet keys for TOTP secrets and recovery-code seeds: the first encrypts, all decrypt.
# Empty: a key derived from SECRET_KEY (development only; the deploy check warns).
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEY", default=[])

MESSAGE_STORAGE = "portal.messages.SentenceStorage"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
# Seconds a task worker waits for the mail server before trying again later.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where users write for help; shown in the footer and on every guided setup.
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format per language (portal/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"


def _bootstrap_dir() -> str:
    import xstatic.pkg.bootstrap as xbootstrap

    return xbootstrap.BASE_DIR


STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", _bootstrap_dir())]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Security: secure by default outside development; each can be relaxed behind a proxy.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe /health/ over plain http (see portal.health_middleware).
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = env.bool("LANGUAGE_COOKIE_SECURE", default=not DEBUG)

# Content-Security-Policy (django-csp): scripts and styles come from the portal's own static
# files only; no inline script, no style="" attribute, no event handler attribute. A template
# that cannot avoid an inline <script> or <style> gives it nonce="{{ request.csp_nonce }}".
# data: images are Bootstrap's icons in its CSS and the QR code of the authenticator set-up.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": env.list("CSP_REPORT_URI", default=[]) or None,
    },
}

# Each authorisation request mails an address an accountant typed: at most this many go out
# from one accountancy in any 24 hours.
AUTHORISATION_REQUESTS_PER_DAY = env.int("AUTHORISATION_REQUESTS_PER_DAY", default=400)
# Invoices one organization may have mailed to a SOAP sender's ReceiverEmail in any 24 hours:
# each goes, from the platform's address, to an address the sender typed.
RECEIVER_EMAILS_PER_DAY = env.int("RECEIVER_EMAILS_PER_DAY", default=50)

# Invitations are valid this long.
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)

# KvK Handelsregister (Zoeken v2, Basisprofiel v1); the lookup is off until a key is set.
KVK_API_URL = env.str("KVK_API_URL", default="https://api.kvk.nl/api")
KVK_API_KEY = env.str("KVK_API_KEY", default="")
KVK_TIMEOUT = env.float("KVK_TIMEOUT", default=5.0)

# Peppol reachability of customers: the SML by DNS, then the customer's SMP over HTTP.
PEPPOL_SML = env.str("PEPPOL_SML", default="production")
if PEPPOL_SML not in ("production", "test"):
    raise ImproperlyConfigured("PEPPOL_SML is production or test.")
PEPPOL_SML_ZONE = env.str("PEPPOL_SML_ZONE", default="")
PEPPOL_DNS_SERVERS = env.list("PEPPOL_DNS_SERVERS", default=[])
PEPPOL_DNS_PORT = env.int("PEPPOL_DNS_PORT", default=53)
PEPPOL_LOOKUP_TIMEOUT = env.float("PEPPOL_LOOKUP_TIMEOUT", default=5.0)
PEPPOL_LOOKUP_CONCURRENCY = env.int("PEPPOL_LOOKUP_CONCURRENCY", default=8)
PEPPOL_REACHABILITY_MAX_AGE_DAYS = env.int("PEPPOL_REACHABILITY_MAX_AGE_DAYS", default=30)
# The platform's own Peppol access point (AS4). Without all four of party id, key,
# certificate and trust, documents travel inside the platform only and the rest wait.
PEPPOL_AP_PARTY_ID = env.str("PEPPOL_AP_PARTY_ID", default="")
PEPPOL_AP_KEY_FILE = env.str("PEPPOL_AP_KEY_FILE", default="")
PEPPOL_AP_KEY_PASSWORD = env.str("PEPPOL_AP_KEY_PASSWORD", default="")
PEPPOL_AP_CERT_FILE = env.str("PEPPOL_AP_CERT_FILE", default="")
PEPPOL_AP_TRUST_FILE = env.str("PEPPOL_AP_TRUST_FILE", default="")
PEPPOL_AP_TRUST_PINNED = env.bool("PEPPOL_AP_TRUST_PINNED", default=False)
_ap_settings = (PEPPOL_AP_PARTY_ID, PEPPOL_AP_KEY_FILE, PEPPOL_AP_CERT_FILE, PEPPOL_AP_TRUST_FILE)
if any(_ap_settings) and not all(_ap_settings):
    raise ImproperlyConfigured("Peppol delivery needs PEPPOL_AP_PARTY_ID, PEPPOL_AP_KEY_FILE, "
                               "PEPPOL_AP_CERT_FILE and PEPPOL_AP_TRUST_FILE together.")
# CA certificates (PEM) that SMP certificates must be issued by: the service metadata that
# names a receiver's access point is then only believed when such an SMP signed it.
PEPPOL_SMP_TRUST_FILE = env.str("PEPPOL_SMP_TRUST_FILE", default="")
PEPPOL_AP_TIMEOUT = env.float("PEPPOL_AP_TIMEOUT", default=30.0)
# Peppol AS4 endpoints are https. Plain http endpoints named by an SMP are only accepted for
# `make run` and tests, whose stand-in access points listen on 127.0.0.1.
PEPPOL_ALLOW_HTTP_ENDPOINTS = env.bool("PEPPOL_ALLOW_HTTP_ENDPOINTS", default=DEBUG)
# Minutes to wait before each new try after a failure that may pass; one try more than listed.
PEPPOL_AP_RETRY_MINUTES = [float(m) for m in env.list("PEPPOL_AP_RETRY_MINUTES",
                                                      default=["1", "5", "30", "120", "480"])]
# A directory laid out like invoices/peppol/rules/ (ubl-2.1/, bis-billing-3/rules/,
# si-ubl-2.0/rules/) with a newer release of the official rules; empty: the packaged rules.
PEPPOL_RULES_DIR = env.str("PEPPOL_RULES_DIR", default="")

# Customer card imports: the largest file accepted, and the most rows in one.
CUSTOMER_IMPORT_MAX_MB = env.int("CUSTOMER_IMPORT_MAX_MB", default=50)
CUSTOMER_IMPORT_MAX_ROWS = env.int("CUSTOMER_IMPORT_MAX_ROWS", default=200_000)
# Checked while a file is read, so a hostile one stops after bounded work and memory.
CUSTOMER_IMPORT_MAX_COLUMNS = env.int("CUSTOMER_IMPORT_MAX_COLUMNS", default=100)
CUSTOMER_IMPORT_MAX_CELL_CHARS = env.int("CUSTOMER_IMPORT_MAX_CELL_CHARS", default=1000)
CUSTOMER_IMPORT_MAX_EXPANDED_MB = env.int("CUSTOMER_IMPORT_MAX_EXPANDED_MB", default=100)
# A CSV that has no byte order mark and is not UTF-8 is read in this encoding.
CUSTOMER_IMPORT_FALLBACK_ENCODING = env.str("CUSTOMER_IMPORT_FALLBACK_ENCODING",
                                            default="cp1252")

# Connection-key secrets are stored as HMAC-SHA-256 under this key (SECRET_KEY when empty).
CONNECTION_KEY_HMAC_KEY = env.str("CONNECTION_KEY_HMAC_KEY", default="")
# Microsoft Entra ID sign-in for the Peppol service broker (PSB). Acceptance and production
# are separate broker environments with app registrations of their own: production reads
# ENTRA_*, acceptance ENTRA_ACCEPTANCE_*. An environment is offered once its client id and
# secret are set; with neither, the "Sign in with Microsoft" button is hidden.
ENTRA_DEFAULT_AUTHORITY = "https://login.microsoftonline.com/organizations"


def _entra_broker(prefix: str) -> dict:
    return {
        "CLIENT_ID": env.str(f"{prefix}CLIENT_ID", default=""),
        "CLIENT_SECRET": env.str(f"{prefix}CLIENT_SECRET", default=""),
        "AUTHORITY": env.str(f"{prefix}AUTHORITY", default=ENTRA_DEFAULT_AUTHORITY),
        # A non-Microsoft OpenID Connect authority (the local stand-in in tests).
        "OIDC_AUTHORITY": env.str(f"{prefix}OIDC_AUTHORITY", default=""),
        "CA_BUNDLE": env.str(f"{prefix}CA_BUNDLE", default=""),
    }


ENTRA_BROKERS = {
    "production": _entra_broker("ENTRA_"),
    "acceptance": _entra_broker("ENTRA_ACCEPTANCE_"),
}
ENTRA_TIMEOUT = env.float("ENTRA_TIMEOUT", default=10.0)
# How long a started sign-in may take before its state is no longer accepted.
ENTRA_FLOW_MAX_AGE = env.int("ENTRA_FLOW_MAX_AGE", default=600)

# Mail domains that never identify a company: sign-ups from them get their own environment.
PUBLIC_MAIL_DOMAINS_EXTRA = env.list("PUBLIC_MAIL_DOMAINS_EXTRA", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The machine API: connection keys only (no sessions, so no CSRF), JSON in and out,
# errors as problem+json.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "portal.api_schema.PortalAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["onboarding.api.authentication.ConnectionKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["onboarding.api.throttling.ConnectionKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "portal.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
# Requests per connection key, as "<count>/<s|min|hour|day>".
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="120/min")
# Failed authentications (a wrong Secret or an unknown App Key) per client address and App
# Key, and per client address whatever the key; the REST API, SOAP and API31 together.
API_AUTH_FAILURE_LIMIT = env.str("API_AUTH_FAILURE_LIMIT", default="20/min")
API_AUTH_FAILURE_ADDRESS_LIMIT = env.str("API_AUTH_FAILURE_ADDRESS_LIMIT", default="200/min")
# API31 connection tests per client address.
API31_RATE_LIMIT = env.str("API31_RATE_LIMIT", default="30/min")
# How long an API call may trust a connection key looked up by an earlier call; every change
# to the key or its organization drops it sooner.
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=60)
# How long a SOAP v3.1 security token (from Login) is valid; revoking the key ends it sooner.
SOAP_TOKEN_HOURS = env.int("SOAP_TOKEN_HOURS", default=4)
SPECTACULAR_SETTINGS = {
    "TITLE": "Peppol onboarding portal API",
    # Lazy, so that each request for the schema gets it in its own language; a paragraph
    # each, for the translators.
    "DESCRIPTION": format_lazy(
        "{}\n\n{}\n\n{}",
        _("The API for ERP software. Authenticate with HTTP Basic: a connection key's App Key "
          "as user name and its Secret as password; create keys in the portal. Each key "
          "answers for its own organization only."),
        _("Errors come as application/problem+json (RFC 9457); more requests per key than "
          "the rate limit get 429 with Retry-After."),
        _("SOAP 1.1 is answered at /api/api31, with its WSDL at /api/api31?wsdl: the v3.1 "
          "operations (namespace http://api.everbinding.nl/v3_1/) with which AFAS, Accept and "
          "4PS Construct send and fetch documents (Login, SendDocument, GetInboxDocuments, "
          "GetInboxDocument, SetInboxDocumentStatus), and 4PS Business Central's API31 "
          "connection test (TestConnection in namespace urn:peppol-onboarding-portal:api31:v1)."),
    ),
    "VERSION": "1.0.0",
    # OpenAPI 3.1 writes an optional object as oneOf the object or null; 3.0's "nullable"
    # beside a reference allows no null at all (OpenAPI 3.0.3).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # The docs page loads Swagger UI from the portal's own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge fetched from validator.swagger.io: the page loads nothing from elsewhere.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "portal.api_schema.describe_limits"],
    "WEBHOOKS": ["webhooks.docs.EVENT"],
    "ENUM_NAME_OVERRIDES": {
        "DocumentStatusEnum": "invoices.models.Status",
        "ProcessingStatusEnum": "invoices.api.serializers.PROCESSING_CHOICES",
    },
}

# Documents (invoices and credit notes): the largest UBL accepted, and how long received ones
# are kept (from arrival, and from the download by the receiver's software).
DOCUMENT_MAX_MB = env.int("DOCUMENT_MAX_MB", default=10)
DOCUMENT_RETENTION_DAYS = env.int("DOCUMENT_RETENTION_DAYS", default=90)
DOCUMENT_RETENTION_AFTER_DOWNLOAD_DAYS = env.int("DOCUMENT_RETENTION_AFTER_DOWNLOAD_DAYS",
                                                 default=7)
# How long the platform still knows a received document, once deleted or purged, well enough
# to hold the same invoice sent again as a possible duplicate (invoices.models.fingerprints).
DOCUMENT_FINGERPRINT_DAYS = env.int("DOCUMENT_FINGERPRINT_DAYS", default=730)
# Received invoices that wait this long to be fetched are the usual sign of bookkeeping
# software that stopped fetching: the administrators are mailed, again each REPEAT days while
# they keep waiting. 0 hours: no reminders.
INBOX_REMINDER_HOURS = env.int("INBOX_REMINDER_HOURS", default=48)
INBOX_REMINDER_REPEAT_DAYS = env.int("INBOX_REMINDER_REPEAT_DAYS", default=7)
# Background work (see portal.tasks and portal.worker): the queue lives in the portal's own
# database and `manage.py db_worker` runs it. TASKS_BACKEND=immediate runs every task at
# once where it is enqueued, inside the caller's request and transaction (tests, scripts).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
if TASKS_BACKEND not in ("database", "immediate"):
    raise ImproperlyConfigured("TASKS_BACKEND is database or immediate.")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend" if TASKS_BACKEND == "database"
        else "django_tasks.backends.immediate.ImmediateBackend",
    }
}
# A running task whose worker has not been heard of for this long is given back to the queue.
TASK_WORKER_TIMEOUT = env.int("TASK_WORKER_TIMEOUT", default=300)
# Failures that may pass (timeouts, refused connections, 5xx answers) are tried again after
# TASK_RETRY_BASE_DELAY seconds, doubling each time up to TASK_RETRY_MAX_DELAY, at most
# TASK_RETRY_MAX_ATTEMPTS runs in all.
TASK_RETRY_MAX_ATTEMPTS = env.int("TASK_RETRY_MAX_ATTEMPTS", default=8)
TASK_RETRY_BASE_DELAY = env.float("TASK_RETRY_BASE_DELAY", default=15.0)
TASK_RETRY_MAX_DELAY = env.float("TASK_RETRY_MAX_DELAY", default=3600.0)
# Finished task results are kept this long (failed ones twice as long) for the staff page.
TASK_RESULTS_KEEP_DAYS = env.int("TASK_RESULTS_KEEP_DAYS", default=7)
# /health/ fails when the oldest task waiting to run has waited longer than this (seconds).
HEALTH_QUEUE_MAX_WAIT = env.int("HEALTH_QUEUE_MAX_WAIT", default=600)
# The daily re-check of stale customer reachability looks up at most this many cards an hour.
PEPPOL_RECHECK_PER_HOUR = env.int("PEPPOL_RECHECK_PER_HOUR", default=600)
# SMP addresses that are the platform's own: an organization's identifier that the SML points
# at another SMP is flagged "registered elsewhere". Empty: the check is off.
PEPPOL_OWN_SMP_URLS = env.list("PEPPOL_OWN_SMP_URLS", default=[])
# The portal's address as users reach it, for links in mail that tasks send without a request.
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000")

# Webhooks: plain http and this machine's loopback addresses as targets (for `make run` and
# tests; private and link-local addresses stay refused); the timeout of one try; the pauses
# between tries (one more try than pauses); failed tries in a row before a hook is paused.
WEBHOOKS_ALLOW_LOCAL = env.bool("WEBHOOKS_ALLOW_LOCAL", default=DEBUG)
WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=10.0)
WEBHOOKS_RETRY_SECONDS = env.list("WEBHOOKS_RETRY_SECONDS", cast=int,
                                  default=[60, 300, 1800, 7200, 21600, 43200])
WEBHOOKS_PAUSE_AFTER_FAILURES = env.int("WEBHOOKS_PAUSE_AFTER_FAILURES", default=15)
# The certificate authorities a webhook target's certificate must come from (certifi's).
WEBHOOKS_CA_BUNDLE = env.str("WEBHOOKS_CA_BUNDLE", default="")
# Finished deliveries and their tries are kept this many days.
WEBHOOKS_KEEP_DAYS = env.int("WEBHOOKS_KEEP_DAYS", default=30)
