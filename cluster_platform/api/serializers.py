from rest_framework import serializers

from cluster_platform.models import Cluster


class ClusterSerializer(serializers.ModelSerializer):
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
        ]
