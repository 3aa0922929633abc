"""Brief references to an enterprise, offering or machine, nested in other serializers."""

from rest_framework import serializers

from cluster_platform.api.serializers import FastOutputMixin


class EnterpriseNameSerializer(FastOutputMixin, serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class EnterpriseRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


class OfferingRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)


class MachineRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    location = serializers.CharField(read_only=True)
