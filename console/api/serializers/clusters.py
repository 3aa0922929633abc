from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cluster_platform.models import Cluster


class ClusterOperatorSerializer(serializers.ModelSerializer):
    """A cluster as the platform operators see it (with its state)."""

    class Meta:
        model = Cluster
        fields = [
            "id",
            "slug",
            "name",
            "name_en",
            "region_code",
            "industry_focus",
            "agency_name",
            "description",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class ClusterCreateSerializer(serializers.Serializer):
    slug = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    region_code = serializers.CharField(max_length=6)
    industry_focus = serializers.CharField(max_length=200, required=False, allow_blank=True)
    agency_name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    first_admin_email = serializers.EmailField(
        required=False, help_text=_("A registered person to appoint as the agency's first admin.")
    )


class ClusterUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    region_code = serializers.CharField(max_length=6, required=False)
    industry_focus = serializers.CharField(max_length=200, required=False, allow_blank=True)
    agency_name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class ClusterAdminAppointSerializer(serializers.Serializer):
    email = serializers.EmailField()
