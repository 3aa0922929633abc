"""A test-only URLconf with one list endpoint that queries once per row (an N+1)."""

from django.urls import path
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny

from cluster_platform.models import Notification


class NaiveNotificationSerializer(serializers.ModelSerializer):
    cluster_slug = serializers.CharField(source="cluster.slug")

    class Meta:
        model = Notification
        fields = ["id", "cluster_slug"]


class NaiveListView(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = NaiveNotificationSerializer
    queryset = Notification.objects.order_by("created_at", "id")  # no select_related("cluster")


urlpatterns = [path("naive/", NaiveListView.as_view())]
