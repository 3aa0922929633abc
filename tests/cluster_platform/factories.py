import factory

from cluster_platform.models import Cluster, ClusterStaff, StaffRole, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("correct-horse-battery")


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    slug = factory.Sequence(lambda n: f"cluster-{n}")
    name = factory.Sequence(lambda n: f"测试产业集群{n}")
    name_en = factory.Sequence(lambda n: f"Test cluster {n}")
    region_code = "320214"
    industry_focus = "C39"
    agency_name = factory.Sequence(lambda n: f"集群促进中心{n}")


class ClusterStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterStaff

    cluster = factory.SubFactory(ClusterFactory)
    user = factory.SubFactory(UserFactory)
    role = StaffRole.ADMIN


def staff_member(cluster: Cluster, role: str = StaffRole.ADMIN) -> User:
    """A new user on `cluster`'s agency staff in `role`: the one way tests make agency staff."""
    return ClusterStaffFactory(cluster=cluster, role=role).user
