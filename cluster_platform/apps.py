import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("cluster_platform")


class ClusterPlatformConfig(AppConfig):
    name = "cluster_platform"
    verbose_name = _("Cluster platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from cluster_platform.password_guesses import user_login_failed_record

        user_login_failed.connect(user_login_failed_record, dispatch_uid="password-guess-record")
        if not settings.REDIS_URL:
            logger.info("REDIS_URL is not set: Celery tasks run in-process and the cache is local memory.")
