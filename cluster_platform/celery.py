import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluster_platform.settings.base")

# Every task's on-commit sends survive a broker outage (cluster_platform/task_outbox.py).
app = Celery("cluster_platform", task_cls="cluster_platform.task_outbox:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
