import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluster_platform.settings.base")

app = Celery("cluster_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
