"""`manage.py seed_demo`: the demo clusters, accounts and enterprises, loaded idempotently."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from stdnum.cn import uscc

from cluster_platform.models import Cluster, ClusterStaff, Notification, User
from cluster_platform.reference.industries import get_industry
from cluster_platform.reference.regions import get_region, region_contains
from enterprises.models import Enterprise, EnterpriseUser, Membership, SizeClass
from enterprises.size import classify_size

pytestmark = pytest.mark.django_db

DEMO_SLUGS = {"wuxi-iot", "gd-bags", "gd-textiles", "gd-cosmetics", "gd-jewellery", "gd-food", "gd-furniture"}


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=io.StringIO())


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _snapshot() -> dict[str, set]:
    """Every row of the demo's models with its updated_at, to prove a re-run writes nothing."""
    return {
        "clusters": set(Cluster.objects.values_list("slug", "updated_at")),
        "users": set(User.objects.values_list("email", "password", "is_superuser")),
        "enterprises": set(Enterprise.objects.values_list("uscc", "updated_at", "verified_at")),
        "memberships": set(Membership.objects.values_list("id", "status", "updated_at")),
    }


def test_seeding_twice_changes_nothing(seeded):
    counts, rows = _row_counts(), _snapshot()

    call_command("seed_demo", stdout=io.StringIO())

    assert _row_counts() == counts
    assert _snapshot() == rows
    assert counts["enterprises.Enterprise"] > 300


def test_demo_clusters_with_staff_in_every_role(seeded):
    assert set(Cluster.objects.values_list("slug", flat=True)) >= DEMO_SLUGS
    for slug in DEMO_SLUGS:
        roles = set(ClusterStaff.objects.filter(cluster__slug=slug).values_list("role", flat=True))
        assert roles == {"admin", "operator", "viewer"}
        assert ClusterStaff.objects.get(cluster__slug=slug, user__email=f"admin@{slug}.demo").role == "admin"
    wuxi = Cluster.objects.get(slug="wuxi-iot")
    assert wuxi.name == "无锡物联网产业集群"
    assert region_contains("320200", wuxi.region_code)


@pytest.mark.parametrize(
    "email",
    [
        "operator@platform.demo",
        "admin@wuxi-iot.demo",
        "sme@wuxi-iot.demo",
        "partner@wuxi-iot.demo",
        "applicant@wuxi-iot.demo",
        "sme@gd-bags.demo",
        "partner@gd-furniture.demo",
    ],
)
def test_demo_accounts_sign_in_with_the_demo_password(seeded, email):
    assert authenticate(email=email, password="demo-pass-2026") is not None
    assert authenticate(email=email, password="wrong-password") is None


def test_platform_operator_is_a_superuser(seeded):
    operator = User.objects.get(email="operator@platform.demo")
    assert operator.is_superuser and operator.is_staff
    assert not User.objects.get(email="admin@wuxi-iot.demo").is_superuser


def test_walkthrough_accounts_hold_their_memberships(seeded):
    def memberships(email):
        enterprise = EnterpriseUser.objects.get(user__email=email, role="owner").enterprise
        return set(enterprise.memberships.values_list("cluster__slug", "role", "status"))

    assert ("wuxi-iot", "sme", "approved") in memberships("sme@wuxi-iot.demo")
    assert ("wuxi-iot", "partner", "approved") in memberships("partner@wuxi-iot.demo")
    assert memberships("applicant@wuxi-iot.demo") == {("wuxi-iot", "sme", "pending")}
    assert {c for c, _r, _s in memberships("partner@gd-furniture.demo")} == {"gd-furniture", "gd-textiles"}


def test_populations_pending_applications_and_cross_cluster_members(seeded):
    def count(slug, role):
        return Membership.objects.filter(cluster__slug=slug, role=role).count()

    assert 55 <= count("wuxi-iot", "sme") <= 70
    assert 25 <= count("wuxi-iot", "partner") <= 35
    gd_partners = Enterprise.objects.filter(
        memberships__role="partner", memberships__cluster__slug__startswith="gd-"
    )
    assert 45 <= gd_partners.distinct().count() <= 55
    for slug in DEMO_SLUGS - {"wuxi-iot"}:
        assert 20 <= count(slug, "sme") <= 45
    assert Membership.objects.filter(cluster__slug="wuxi-iot", status="pending").count() >= 1
    assert {"pending", "approved", "rejected", "suspended"} <= set(
        Membership.objects.values_list("status", flat=True)
    )
    in_two = [e for e in Enterprise.objects.all() if len({m.cluster_id for m in e.memberships.all()}) >= 2]
    assert len(in_two) >= 5
    assert not Membership.objects.filter(role="sme").exclude(partner_tier="").exists()
    assert not Membership.objects.filter(role="partner", partner_tier="").exists()
    assert not Membership.objects.filter(status="pending", decided_at__isnull=False).exists()
    assert not Membership.objects.filter(status="approved", decided_by__isnull=True).exists()


def test_every_enterprise_has_valid_codes_and_consistent_figures(seeded):
    for enterprise in Enterprise.objects.prefetch_related("memberships__cluster"):
        assert uscc.is_valid(enterprise.uscc), enterprise.uscc
        assert enterprise.uscc[2:8] == enterprise.region_code
        assert get_region(enterprise.region_code) is not None
        assert get_industry(enterprise.industry_code) is not None
        enterprise.full_clean()  # model validators: region, industry, non-negative money
        home = [m.cluster for m in enterprise.memberships.all()]
        assert any(region_contains(c.region_code[:4] + "00", enterprise.region_code) for c in home)
        assert 0 <= enterprise.rd_spend < enterprise.operating_revenue
        assert enterprise.size_class == _expected_size(enterprise), enterprise.name
        assert enterprise.users.filter(role="owner").count() == 1
    for cluster in Cluster.objects.all():
        assert get_region(cluster.region_code) is not None
        assert all(get_industry(code) is not None for code in cluster.industry_focus.split(","))


def test_names_and_identifiers_are_unique(seeded):
    enterprises = list(Enterprise.objects.values_list("name", "uscc"))
    assert len({name for name, _ in enterprises}) == len(enterprises)


def test_list_accounts_prints_the_banner_accounts_without_seeding():
    out = io.StringIO()
    call_command("seed_demo", "--list-accounts", stdout=out)

    lines = out.getvalue().splitlines()
    assert any(line.split()[0] == "admin@wuxi-iot.demo" for line in lines)
    assert any(line.split()[0] == "applicant@wuxi-iot.demo" for line in lines)
    assert all(line.startswith("    ") for line in lines)
    assert not Cluster.objects.exists()


def _expected_size(enterprise) -> str:
    """The platform's classifier where it gives a class, else MIIT's industrial thresholds."""
    size = classify_size(
        industry_code=enterprise.industry_code,
        employees=enterprise.employees,
        operating_revenue=enterprise.operating_revenue,
    )
    if size:
        return size
    employees, revenue = enterprise.employees, enterprise.operating_revenue
    if employees >= 1000 and revenue >= 400_000_000:
        return SizeClass.LARGE
    if employees >= 300 and revenue >= 20_000_000:
        return SizeClass.MEDIUM
    if employees >= 20 and revenue >= 3_000_000:
        return SizeClass.SMALL
    return SizeClass.MICRO


@pytest.mark.django_db(transaction=True)  # commits for real, so the on-commit work (tasks, emails) runs
def test_seeding_notifies_in_the_app_but_sends_no_email_to_the_demo_addresses(mailoutbox):
    call_command("seed_demo", stdout=io.StringIO())

    assert Notification.objects.filter(user__email__endswith=".demo").exists()
    assert mailoutbox == []


def test_a_rerun_says_which_demo_rows_it_reset_and_audits_them(seeded):
    from cluster_platform.models import AuditLog

    pending = Membership.objects.get(
        cluster__slug="wuxi-iot", enterprise__users__user__email="applicant@wuxi-iot.demo", status="pending"
    )
    Membership.objects.filter(pk=pending.pk).update(status="approved")  # a walkthrough approved it
    audited_before = AuditLog.objects.filter(action="demo.reset").count()

    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    pending.refresh_from_db()
    assert pending.status == "pending"
    text = out.getvalue()
    assert "Reset 1 demo row(s)" in text
    assert "enterprises.Membership" in text and "status: 'approved' -> 'pending'" in text
    entry = AuditLog.objects.get(action="demo.reset", target_id=str(pending.pk))
    assert entry.cluster.slug == "wuxi-iot"
    assert entry.actor is None
    assert (entry.before, entry.after) == ({"status": "approved"}, {"status": "pending"})
    assert AuditLog.objects.filter(action="demo.reset").count() == audited_before + 1


def test_a_rerun_with_nothing_changed_resets_nothing(seeded):
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    assert "No demo row needed resetting." in out.getvalue()
