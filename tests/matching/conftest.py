import pytest

from cluster_platform.celery import app as celery_app


@pytest.fixture(autouse=True)
def eager_celery(request):
    """Tasks run in-process (after commit) except in the real-worker tests, also when REDIS_URL is set."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
