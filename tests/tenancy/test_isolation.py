"""Cluster A must be invisible and untouchable from cluster B, through every cluster endpoint.

The world is built once per module; every request of the harness runs in a savepoint that is
rolled back, so the tests see the same world whatever the endpoints do.
"""

import re

import pytest
from django.db import transaction

from cluster_platform.api.tenancy import ClusterScopedViewSet
from policies.models import Policy, PolicyImportJob
from tests.tenancy.harness.attacks import attack, attack_platform
from tests.tenancy.harness.discovery import cluster_endpoints, query_parameters, structural_problems
from tests.tenancy.harness.victims import victim_of
from tests.tenancy.world import ATTACKER_ROLES, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


HINT = (
    "\nA row that anyone may see by design (a published offering, and the partner shown with it) "
    "belongs in world.public_ids, added by the owning app's tests/<app>/world.py; see docs/tenancy.md."
)


def _fail_with(problems, hint=""):
    if problems:
        pytest.fail(f"{len(problems)} problem(s):\n" + "\n".join(problems) + hint, pytrace=False)


def test_the_harness_attacks_every_cluster_operation_in_the_openapi_schema():
    """An independent count: what drf-spectacular documents under the prefix, the harness walks."""
    from drf_spectacular.generators import EndpointEnumerator

    def shape(path):
        return re.sub(r"\{[^}]+\}", "{}", path)

    documented = {
        (shape(path), method.lower())
        for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()
        if path.startswith("/api/v1/clusters/{cluster_slug}/")
    }
    walked = {
        (shape(re.sub(r"<([^>]+)>", r"{\1}", e.template)), method)
        for e in cluster_endpoints()
        for method in e.methods()
    }

    assert documented <= walked


@pytest.mark.urls("tests.tenancy.scoped_urls")
def test_the_harness_finds_routes_and_their_methods_from_the_resolver():
    endpoints = {e.template: e for e in cluster_endpoints()}

    base = "/api/v1/clusters/<cluster_slug>/memberships/"
    assert set(endpoints) == {base, f"{base}<pk>/", f"{base}<pk>/approve/", f"{base}apply/", f"{base}export/"}
    assert set(endpoints[base].methods()) == {"get", "post", "options"}
    assert set(endpoints[f"{base}<pk>/"].methods()) == {"get", "put", "patch", "delete", "options"}
    assert endpoints[f"{base}<pk>/"].action_for("patch") == "partial_update"
    assert endpoints[f"{base}<pk>/approve/"].action_for("post") == "approve"


def test_every_cluster_view_is_a_scoped_viewset_that_states_its_permissions():
    _fail_with(structural_problems(cluster_endpoints()))


def test_every_role_in_b_sees_and_changes_nothing_of_a_through_as_urls(world):
    report = attack(world, scenarios=("a",))

    _fail_with(report.problems, HINT)


def test_a_objects_under_bs_url_answer_404_and_stay_unchanged(world):
    report = attack(world, scenarios=("b",))

    _fail_with(report.problems, HINT)


def test_the_world_has_every_role_and_some_secrets(world):
    victim = victim_of(world)

    assert {world.b.user_for(role) is None for role in ATTACKER_ROLES} == {True, False}
    labels = set(victim.secret_ids.values())
    assert {"enterprises.Membership", "cluster_platform.ClusterStaff", "cluster_platform.AuditLog"} <= labels
    assert "cluster_platform.Notification" in labels
    assert {"enterprises.Enterprise", "cluster_platform.User"} <= labels
    assert str(world.a.cluster.pk) not in victim.secret_ids  # clusters are listed publicly
    assert not set(victim.secret_ids) & {str(world.b.sme.pk), str(world.b.sme_user.pk)}
    # the SME in both clusters is known to B; what it does in A is A's
    assert str(world.shared.pk) not in victim.secret_ids
    assert "enterprises.Assessment" in {
        victim.secret_ids.get(str(a.pk)) for a in world.shared.assessments.all()
    }


def test_base_viewset_refuses_to_let_subclasses_own_the_queryset():
    with pytest.raises(TypeError, match="scoped_queryset"):

        class Sneaky(ClusterScopedViewSet):
            def get_queryset(self):  # pragma: no cover - the class statement fails
                return None


# --- The harness catches what it is meant to catch ---------------------------------------------


@pytest.mark.urls("tests.tenancy.leaky_urls")
def test_the_harness_reports_a_deliberately_unscoped_viewset(world):
    endpoints = cluster_endpoints()
    report = attack(world)
    problems = "\n".join(report.problems)

    assert {e.template for e in endpoints} >= {
        "/api/v1/clusters/<cluster_slug>/leaky-memberships/",
        "/api/v1/clusters/<cluster_slug>/leaky-memberships/<pk>/",
    }
    assert "not a ClusterScopedViewSet" in "\n".join(structural_problems(endpoints))
    # listing another cluster's rows, from both URLs
    assert "(a) sme GET /api/v1/clusters/<cluster_slug>/leaky-memberships/" in problems
    assert "(b) anonymous GET /api/v1/clusters/<cluster_slug>/leaky-memberships/" in problems
    assert "leaks" in problems and "enterprises.Membership" in problems
    # reading, changing and deleting A's row through B's URL
    assert "did not answer 404" in problems
    assert "reads cluster A's non-public enterprises.Membership" in problems
    assert "changed cluster A's rows: enterprises.Membership" in problems
    # the CSV export leaks too
    assert "leaky-memberships/export/" in problems
    # a scoped viewset that lets anyone write: B's users change A through A's URL, but
    # through B's URL A's object is out of reach
    open_door = [p for p in report.problems if "open-memberships" in p]
    assert "(a) sme PATCH /api/v1/clusters/<cluster_slug>/open-memberships/<pk>/" in "\n".join(open_door)
    assert any("changed cluster A's rows: enterprises.Membership" in p for p in open_door)
    assert not [p for p in open_door if p.startswith("(b)")]


@pytest.fixture
def applying_is_public(world):
    """In the scoped sample, anyone signed in may apply to join the cluster."""
    world.public_actions.add("ScopedMembershipViewSet.apply")
    yield
    world.public_actions.discard("ScopedMembershipViewSet.apply")


@pytest.mark.urls("tests.tenancy.scoped_urls")
def test_the_harness_passes_a_properly_scoped_viewset_with_writes_and_actions(world, applying_is_public):
    endpoints = cluster_endpoints()
    report = attack(world)

    assert len(endpoints) == 5  # list, detail, approve, apply, export
    assert structural_problems(endpoints) == []
    methods = {m for e in endpoints for m in e.methods()}
    assert methods >= {"get", "post", "put", "patch", "delete", "options"}
    _fail_with(report.problems)


@pytest.mark.urls("tests.tenancy.scoped_urls")
def test_a_write_into_a_by_outsiders_is_reported_unless_declared_public(world):
    report = attack(world, scenarios=("a",))

    assert report.problems
    assert all("/memberships/apply/" in problem for problem in report.problems), report.problems
    assert any("changed cluster A's rows: enterprises.Membership" in p for p in report.problems)
    assert any("a write on cluster A by an outsider was not refused" in p for p in report.problems)


@pytest.mark.urls("tests.tenancy.unknown_kwarg_urls")
def test_a_pattern_the_harness_cannot_fill_in_fails_loudly(world):
    report = attack(world, roles=["anonymous"])

    assert any("unknown URL argument 'gizmo_ref'" in problem for problem in report.problems)
    # the format-only route is attacked (as JSON) and passes
    assert "/api/v1/clusters/<cluster_slug>/gizmo-report.<format>" in {e.template for e in report.endpoints}
    assert not [p for p in report.problems if "gizmo-report" in p]
    assert report.requests == 2 * 2  # GET and OPTIONS, from A's and from B's URL


@pytest.mark.urls("tests.tenancy.sloppy_reference_urls")
def test_the_harness_reports_filters_and_bodies_that_reach_into_another_cluster(world):
    report = attack(world, scenarios=("b",))
    problems = "\n".join(report.problems)

    # the parameters come from the filterset (and the schema), A's ids go into each of them
    endpoint = next(e for e in report.endpoints if "sloppy-memberships" in e.template)
    assert {"enterprise", "owner"} <= set(query_parameters(endpoint, "get"))
    assert report.query_requests
    # a filter method that starts again from every row lists A's memberships through B's URL
    assert "(b) admin GET /api/v1/clusters/<cluster_slug>/sloppy-memberships/" in problems
    assert "?enterprise=<enterprises.Enterprise> -> 200: leaks" in problems
    assert "enterprises.Membership" in problems
    # a model choice among every enterprise tells A's ids from unknown ones
    assert "?owner=<enterprises.Enterprise> -> 200, an unknown id -> 400" in problems
    # a body id looked up outside the cluster makes B's new row point at A's offering
    assert (
        "(b) sme POST /api/v1/clusters/<cluster_slug>/sloppy-feedback/ [SloppyFeedbackViewSet] with A ids"
        in problems
    )
    assert (
        "made rows outside cluster A point at A's rows: matching.RecommendationFeedback.offering" in problems
    )


def test_platform_routes_show_and_change_nothing_of_a(world):
    """Outside the cluster prefix: enterprises, policy matches, the policy library and its import
    jobs, notifications, the caller's account, the questionnaire."""
    report = attack_platform(world)

    templates = {e.template for e in report.endpoints}
    assert {
        "/api/v1/me/",
        "/api/v1/notifications/",
        "/api/v1/policies/",
        "/api/v1/policy-imports/",
    } <= templates
    assert "/api/v1/enterprises/<enterprise_id>/policy-matches/" in templates
    assert not any(t.startswith("/api/v1/clusters/<cluster_slug>/") for t in templates)
    _fail_with(report.problems, HINT)


def _mentions_a(response, world) -> bool:
    text = response.content.decode()
    return any(
        marker in text for marker in (world.a.cluster.slug, str(world.a.cluster.pk), world.a.cluster.name)
    )


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_bs_staff_see_the_shared_member_without_its_life_in_a(world, client_for, role):
    """An SME in both clusters: B's agency sees its profile, assessments, recommendations and
    policy matches as a member of B; nothing says it is also in A."""
    client = client_for(world.b.user_for(role))
    prefix = f"/api/v1/clusters/{world.b.cluster.slug}"
    shared = world.shared.pk
    urls = [
        f"{prefix}/members/{shared}/",
        f"{prefix}/members/{shared}/policy-matches/",
        f"{prefix}/assessments/?enterprise={shared}",
        f"{prefix}/recommendations/?sme={shared}",
        f"{prefix}/demands/",
        f"{prefix}/memberships/?enterprise={shared}",
    ]
    victim = victim_of(world)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert not victim.leaked(response.content.decode(), set()), url
        assert not _mentions_a(response, world), url


def test_the_platform_library_holds_no_clusters_local_policies(world, client_for):
    """A cluster's local policies live in that cluster's view only (drafts for its staff): the
    platform library neither lists, finds nor shows them, published or not, and a cluster's
    import jobs are not platform imports."""
    local = list(Policy.objects.filter(cluster=world.a.cluster))
    assert {policy.status for policy in local} >= {"draft", "published"}
    job = PolicyImportJob.objects.get(cluster=world.a.cluster)
    for user in (None, world.b.admin, world.b.sme_user):
        client = client_for(user)
        for query in ("", "?q=A集群", f"?issuer={world.a.cluster.agency_name}"):
            listed = client.get(f"/api/v1/policies/{query}&page_size=100".replace("/&", "/?"))
            assert listed.status_code == 200
            assert not {row["id"] for row in listed.json()["results"]} & {str(p.pk) for p in local}
        for policy in local:
            assert client.get(f"/api/v1/policies/{policy.pk}/").status_code == 404
        assert client.get(f"/api/v1/policy-imports/{job.pk}/").status_code in (401, 403, 404)
