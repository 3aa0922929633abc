"""The two-cluster world the isolation tests attack.

Cluster A is the victim, cluster B the attacker's home. Every app contributes the rows of its
cluster-owned models through a module `tests/<app>/world.py` that defines

    def build(world: World) -> None

which creates rows in cluster A (and, where useful, B) using the people below, and adds to
`world.public_ids` the ids of A's rows that anyone may see (published catalog entries).
The harness discovers those modules by name, so a new app only has to add its own.

An action that outsiders may legitimately perform on cluster A (applying for membership, say)
is named in `world.public_actions` as "<ViewSetClassName>.<action>", e.g.
"MembershipViewSet.create": for those the harness accepts a success and a change in A
(it still checks that the answer leaks nothing of A's).
"""

import importlib
from dataclasses import dataclass, field

from cluster_platform.models import Cluster, StaffRole, User
from enterprises.models import Enterprise, MembershipRole
from tests.cluster_platform.factories import ClusterFactory, staff_member
from tests.enterprises.factories import (
    EnterpriseFactory,
    EnterpriseUserFactory,
    MembershipFactory,
    member_user,
)

LOCAL_APPS = [
    "cluster_platform",
    "enterprises",
    "services",
    "policies",
    "matching",
    "console",
    "devices",
    "programmes",
]
ATTACKER_ROLES = ["anonymous", "sme", "partner", "admin", "operator", "viewer"]


@dataclass
class ClusterPeople:
    cluster: Cluster
    admin: User
    operator: User
    viewer: User
    sme_user: User
    sme: Enterprise
    partner_user: User
    partner: Enterprise

    def user_for(self, role: str) -> User | None:
        return (
            None
            if role == "anonymous"
            else getattr(self, {"sme": "sme_user", "partner": "partner_user"}.get(role, role))
        )


@dataclass
class World:
    a: ClusterPeople
    b: ClusterPeople
    public_ids: set[str] = field(default_factory=set)
    public_actions: set[str] = field(default_factory=set)
    # An SME member of both clusters: B's people see it, and nothing of what it does in A.
    shared: Enterprise | None = None


def _people(slug: str) -> ClusterPeople:
    cluster = ClusterFactory(slug=slug)
    staff = {role: staff_member(cluster, role) for role in StaffRole.values}
    sme_user, sme = member_user(cluster, MembershipRole.SME, name=f"{slug} SME")
    partner_user, partner = member_user(
        cluster, MembershipRole.PARTNER, name=f"{slug} partner", industry_code="I65"
    )
    return ClusterPeople(
        cluster=cluster,
        admin=staff[StaffRole.ADMIN],
        operator=staff[StaffRole.OPERATOR],
        viewer=staff[StaffRole.VIEWER],
        sme_user=sme_user,
        sme=sme,
        partner_user=partner_user,
        partner=partner,
    )


def _shared_enterprise(world: World) -> Enterprise:
    """An SME that is an approved member of both clusters, with rows in A of its own: an
    assessment, a demand and a recommendation there. B's staff legitimately see the enterprise;
    its life in A (and the fact that it is a member there) stays A's."""
    from matching.models import MatchRun, MatchRunStatus
    from services.models import Offering
    from tests.enterprises.factories import AssessmentFactory
    from tests.matching.factories import RecommendationFactory
    from tests.services.factories import DemandFactory, OfferingFactory

    shared = EnterpriseFactory(name="both clusters SME")
    EnterpriseUserFactory(enterprise=shared)
    for cluster in (world.a.cluster, world.b.cluster):
        MembershipFactory(cluster=cluster, enterprise=shared, role=MembershipRole.SME)
    a = world.a.cluster
    AssessmentFactory(cluster=a, enterprise=shared)
    demand = DemandFactory(cluster=a, sme=shared, title="两地企业在A集群的需求")
    offering = Offering.objects.filter(cluster=a).order_by("pk").first() or OfferingFactory(
        cluster=a, partner=world.a.partner
    )
    run = MatchRun.objects.create(cluster=a, trigger="manual", status=MatchRunStatus.COMPLETED)
    RecommendationFactory(cluster=a, run=run, sme=shared, demand=demand, offering=offering)
    return shared


def build_world() -> World:
    world = World(a=_people("victim-a"), b=_people("attacker-b"))
    for app in LOCAL_APPS:
        try:
            module = importlib.import_module(f"tests.{app}.world")
        except ModuleNotFoundError as error:
            if error.name != f"tests.{app}.world" and error.name != f"tests.{app}":
                raise
            continue
        module.build(world)
    world.shared = _shared_enterprise(world)
    return world
