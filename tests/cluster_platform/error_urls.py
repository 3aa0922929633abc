"""A test-only URLconf: the real routes plus views that fail in each way the error shape covers."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.urls import handler404, handler500
from cluster_platform.urls import urlpatterns as platform_urlpatterns


class LineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1)


class OrderSerializer(serializers.Serializer):
    lines = LineSerializer(many=True)


@api_view(["POST"])
@permission_classes([AllowAny])
def nested_validation(request):
    OrderSerializer(data=request.data).is_valid(raise_exception=True)
    return Response({})


@api_view(["POST"])
@permission_classes([AllowAny])
def service_validation(request):
    raise DjangoValidationError({"region_code": ["Unknown region code."]})


@api_view(["GET"])
@permission_classes([AllowAny])
def forbidden(request):
    raise PermissionDenied()


@api_view(["POST"])
@permission_classes([AllowAny])
def conflict(request):
    raise Conflict()


@api_view(["POST"])
@permission_classes([AllowAny])
def invalid_transition(request):
    raise InvalidTransition(current="approved", requested="approve", allowed=["suspend"])


@api_view(["GET"])
@permission_classes([AllowAny])
def crash_in_drf(request):
    raise RuntimeError("boom inside a DRF view")


def crash_in_django(request):
    raise RuntimeError("boom outside DRF")


urlpatterns = [
    path("test-errors/nested/", nested_validation),
    path("test-errors/service/", service_validation),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/conflict/", conflict),
    path("test-errors/transition/", invalid_transition),
    path("test-errors/crash-drf/", crash_in_drf),
    path("test-errors/crash-django/", crash_in_django),
    *platform_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
