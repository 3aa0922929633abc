"""The shape of an SME's net cost of an offering, shared by every endpoint that shows one: the
catalog (`?net_cost=true`), matching's recommendations and programmes' `net-costs/`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class NetCostLineSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The source: voucher:<id> or policy:<id>.")
    title = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    limited_by = serializers.CharField(
        help_text="share, cap, total_share_cap:<source> or, for an excluded source, exclusive_with:<source>."
    )


class NetCostAtPriceSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=14, decimal_places=2)
    lines = NetCostLineSerializer(many=True)
    excluded = NetCostLineSerializer(many=True)
    subsidy = serializers.DecimalField(max_digits=14, decimal_places=2)
    net = serializers.DecimalField(max_digits=14, decimal_places=2)


class NearMissSavingSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    would_save = serializers.DecimalField(max_digits=14, decimal_places=2)
    unmet = serializers.ListField(child=serializers.CharField(), read_only=True)


class NetCostSerializer(serializers.Serializer):
    priced = serializers.BooleanField(help_text="False for an offering on quotation (no price to subsidise).")
    low = NetCostAtPriceSerializer(allow_null=True, help_text="At the low end of the price range.")
    high = NetCostAtPriceSerializer(allow_null=True, help_text="At the high end of the price range.")
    near_misses = NearMissSavingSerializer(many=True)


class CatalogNetCostQuerySerializer(serializers.Serializer):
    """`?net_cost=true` on the catalog: each offering says what the calling SME pays for it."""

    net_cost = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Add what your SME pays after its vouchers and covering policies (SME members only)."),
    )
    sme = serializers.UUIDField(
        required=False, help_text=_("With net_cost: the SME, if you act for several in this cluster.")
    )
