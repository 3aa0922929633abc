"""The pieces that keep requests going through a Redis outage, on their own: the cache that answers
a miss, and the sweep that sends the task messages Redis refused. The outage itself, end to end, is
in tests/integration/test_faults.py."""

import pytest

from bench.servers import free_port
from cluster_platform.cache import ForgivingRedisCache
from cluster_platform.models import DeferredTask, Notification
from cluster_platform.task_outbox import deferred_tasks_send
from console.services.stats import stats_invalidate
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory
from tests.policies.factories import PolicyFactory


def test_a_redis_that_refuses_connections_is_a_cold_cache():
    cache = ForgivingRedisCache(
        f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 1}}
    )

    assert cache.get("answer", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("answer", 42) is False
    assert cache.has_key("answer") is False
    cache.set("answer", 42)  # forgotten, not raised
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys that were not stored
    assert cache.delete("answer") is False
    with pytest.raises(ValueError):  # what a missing key raises: callers already handle it
        cache.incr("answer")


def test_marking_the_kpis_stale_goes_on_while_the_cache_is_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "cluster_platform.cache.ForgivingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    stats_invalidate(cluster_id="platform")  # add, incr, then set: each one a no-op


@pytest.mark.django_db
def test_the_sweep_sends_the_kept_messages_oldest_first_and_keeps_what_names_no_task():
    enterprise = EnterpriseFactory(employees=600)
    user = EnterpriseUserFactory(enterprise=enterprise).user
    policy = PolicyFactory(live=True, eligibility_rule={"fact": "employees", "op": "gte", "value": 500})
    kept = DeferredTask.objects.create(task="policies.tasks.enterprise_reevaluate", args=[str(enterprise.pk)])
    renamed = DeferredTask.objects.create(task="policies.tasks.no_such_task", args=[])

    # Tests run tasks in-process (tests/conftest.py): "sent" is "run" here.
    assert deferred_tasks_send() == 1

    assert list(DeferredTask.objects.values_list("pk", flat=True)) == [renamed.pk]
    assert not DeferredTask.objects.filter(pk=kept.pk).exists()
    assert Notification.objects.filter(
        user=user, dedup_key=f"policy-eligible:{policy.pk}:{enterprise.pk}"
    ).exists()
    assert deferred_tasks_send() == 0  # nothing left to send; the unknown one stays for an operator
