"""Reads for programmes, vouchers and claims, narrowed by what the caller may see in the cluster."""

from django.db.models import Q, QuerySet

from cluster_platform.models import Cluster
from cluster_platform.selectors import ClusterRoles
from programmes.models import Voucher, VoucherClaim, VoucherProgramme


def programme_list(*, cluster: Cluster) -> QuerySet[VoucherProgramme]:
    """Every programme of the cluster: members and staff may read their terms."""
    return (
        VoucherProgramme.objects.filter(cluster=cluster)
        .select_related("policy")
        .order_by("-applications_open", "id")
    )


def voucher_list(*, cluster: Cluster, roles: ClusterRoles) -> QuerySet[Voucher]:
    """Staff see every voucher; an SME its own; a partner those paying for its engagements."""
    vouchers = Voucher.objects.filter(cluster=cluster)
    if not roles.is_staff:
        vouchers = vouchers.filter(
            Q(sme_id__in=roles.sme_enterprise_ids)
            | Q(engagement__partner_id__in=roles.partner_enterprise_ids)
        )
    return vouchers.select_related("programme", "sme", "engagement__offering").order_by("-created_at", "id")


def claim_list(*, cluster: Cluster, roles: ClusterRoles) -> QuerySet[VoucherClaim]:
    """Staff see every claim; a partner its own; an SME the claims on its vouchers."""
    claims = VoucherClaim.objects.filter(cluster=cluster)
    if not roles.is_staff:
        claims = claims.filter(
            Q(partner_id__in=roles.partner_enterprise_ids) | Q(voucher__sme_id__in=roles.sme_enterprise_ids)
        )
    return claims.select_related("voucher__programme", "voucher__sme", "partner").order_by(
        "-created_at", "id"
    )
