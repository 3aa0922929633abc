from django.db.models import F
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from bench.api.bare.models import BareOffering, BarePolicy
from cluster_platform.api.pagination import StandardPagination


class BareOfferingSerializer(serializers.ModelSerializer):
    class Meta:
        model = BareOffering
        fields = "__all__"


class BarePolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = BarePolicy
        fields = "__all__"


class BareOfferingList(generics.ListAPIView):
    # The catalog's default order ("newest").
    queryset = BareOffering.objects.order_by(F("published_at").desc(nulls_last=True), "-created_at", "id")
    serializer_class = BareOfferingSerializer
    pagination_class = StandardPagination
    permission_classes = [AllowAny]


class BarePolicyList(generics.ListAPIView):
    # The library's order without a search ("newest first", along its index).
    queryset = BarePolicy.objects.order_by(F("published_on").desc(nulls_last=True), "id")
    serializer_class = BarePolicySerializer
    pagination_class = StandardPagination
    permission_classes = [AllowAny]


urlpatterns = [
    path("offerings/", BareOfferingList.as_view()),
    path("policies/", BarePolicyList.as_view()),
]
