from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from cluster_platform.api.permissions import IsClusterStaff, IsClusterStaffWriter, ReadOnly
from cluster_platform.api.tenancy import ClusterScopedViewSet
from policies import selectors, services
from policies.api.filters import PolicyFilter
from policies.api.pagination import PolicySearchPagination
from policies.api.serializers.library import (
    PolicyCategorySerializer,
    PolicyDetailSerializer,
    PolicyImportJobSerializer,
    PolicyImportUploadSerializer,
    PolicyInputSerializer,
    PolicyListSerializer,
)
from policies.categories import CATEGORIES
from policies.models import Policy, PolicyImportJob


class IsPlatformOperator(BasePermission):
    """Platform operators (superusers) manage the platform-wide library."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_superuser)


class PolicySearchMixin:
    """List = filters, then the full-text search, then a page with count and facets."""

    filterset_class = PolicyFilter
    pagination_class = PolicySearchPagination
    ordering_fields: list = []  # the order comes from the search (rank or date)

    def get_serializer_class(self):
        if self.action == "list":
            return PolicyListSerializer
        if self.action in ("create", "update", "partial_update"):
            return PolicyInputSerializer
        return PolicyDetailSerializer

    # Columns the list does not show. The full text and the search vector run to kilobytes per
    # policy, stored out of line: reading them for a page cost more than the rest of the row.
    list_unshown_columns = ("full_text", "search_vector", "eligibility_rule")

    def list(self, request, *args, **kwargs):
        policies = self.filter_queryset(self.get_queryset()).defer(*self.list_unshown_columns)
        result = selectors.policy_search(policies=policies, q=request.query_params.get("q", ""))
        page = self.paginator.paginate_search(result, request, view=self)
        serializer = PolicyListSerializer(page, many=True, context=self.get_serializer_context())
        return self.paginator.get_paginated_response(serializer.data)

    def _input(self, partial: bool) -> dict:
        serializer = PolicyInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _detail(self, policy, status_code=status.HTTP_200_OK):
        return Response(
            PolicyDetailSerializer(policy, context=self.get_serializer_context()).data, status=status_code
        )


_write_schema = {"request": PolicyInputSerializer, "responses": {200: PolicyDetailSerializer}}


class PolicyViewSet(PolicySearchMixin, viewsets.GenericViewSet):
    """The platform-wide policy library. Anyone reads published policies; operators manage it."""

    queryset = Policy.objects.none()
    permission_classes = [IsPlatformOperator]
    action_permissions = {"list": [AllowAny], "retrieve": [AllowAny]}

    def get_permissions(self):
        return [
            permission() for permission in self.action_permissions.get(self.action, self.permission_classes)
        ]

    def get_queryset(self):
        return selectors.policy_library_list(user=self.request.user).order_by("id")

    def retrieve(self, request, pk=None):
        return self._detail(self.get_object())

    @extend_schema(request=PolicyInputSerializer, responses={201: PolicyDetailSerializer})
    def create(self, request):
        policy = services.policy_create(values=self._input(partial=False), by=request.user)
        return self._detail(policy, status.HTTP_201_CREATED)

    @extend_schema(**_write_schema)
    def update(self, request, pk=None):
        policy = services.policy_update(
            policy=self.get_object(), values=self._input(partial=False), by=request.user
        )
        return self._detail(policy)

    @extend_schema(**_write_schema)
    def partial_update(self, request, pk=None):
        policy = services.policy_update(
            policy=self.get_object(), values=self._input(partial=True), by=request.user
        )
        return self._detail(policy)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.policy_delete(policy=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: PolicyDetailSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._detail(services.policy_publish(policy=self.get_object(), by=request.user))

    @extend_schema(request=None, responses={200: PolicyDetailSerializer})
    @action(detail=True, methods=["post"])
    def expire(self, request, pk=None):
        return self._detail(services.policy_expire(policy=self.get_object(), by=request.user))


class PolicyCategoryListView(APIView):
    """The fixed list of policy categories (codes and labels), for filters and forms."""

    permission_classes = [AllowAny]
    pagination_class = None

    @extend_schema(responses={200: PolicyCategorySerializer(many=True)})
    def get(self, request):
        return Response(PolicyCategorySerializer(CATEGORIES, many=True).data)


class ImportJobMixin:
    serializer_class = PolicyImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": PolicyImportUploadSerializer},
        responses={202: OpenApiResponse(PolicyImportJobSerializer, description=_("The import job, queued."))},
    )
    def create(self, request, *args, **kwargs):
        upload = PolicyImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        job = services.policy_import_job_create(
            filename=file.name, content=file.read(), by=request.user, cluster=getattr(self, "cluster", None)
        )
        job.refresh_from_db()
        return Response(PolicyImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class PolicyImportJobViewSet(
    ImportJobMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Platform-wide imports into the library (operators only)."""

    permission_classes = [IsPlatformOperator]

    def get_queryset(self):
        return selectors.policy_import_job_list(cluster=None)


class ClusterPolicyViewSet(PolicySearchMixin, ClusterScopedViewSet):
    """A cluster's view of the library plus its agency's local policies, which its staff author."""

    model = Policy
    permission_classes = [IsClusterStaffWriter]
    action_permissions = {"list": [ReadOnly], "retrieve": [ReadOnly]}
    # Writes reach only the cluster's own policies; the library is read-only here.
    write_actions = ("update", "partial_update", "destroy", "publish", "expire")

    def cluster_filter(self):
        if self.action in self.write_actions:
            return super().cluster_filter()
        return selectors.policy_cluster_visibility(
            cluster=self.cluster, include_local_drafts=self.roles.is_staff
        )

    def scoped_queryset(self):
        return Policy.objects.select_related("cluster").order_by("id")

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(request=PolicyInputSerializer, responses={201: PolicyDetailSerializer})
    def create(self, request, *args, **kwargs):
        policy = services.policy_create(
            values=self._input(partial=False), by=request.user, cluster=self.cluster
        )
        return self._detail(policy, status.HTTP_201_CREATED)

    @extend_schema(**_write_schema)
    def update(self, request, *args, **kwargs):
        policy = services.policy_update(
            policy=self.get_object(), values=self._input(partial=False), by=request.user
        )
        return self._detail(policy)

    @extend_schema(**_write_schema)
    def partial_update(self, request, *args, **kwargs):
        policy = services.policy_update(
            policy=self.get_object(), values=self._input(partial=True), by=request.user
        )
        return self._detail(policy)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.policy_delete(policy=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: PolicyDetailSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        return self._detail(services.policy_publish(policy=self.get_object(), by=request.user))

    @extend_schema(request=None, responses={200: PolicyDetailSerializer})
    @action(detail=True, methods=["post"])
    def expire(self, request, *args, **kwargs):
        return self._detail(services.policy_expire(policy=self.get_object(), by=request.user))


class ClusterPolicyImportJobViewSet(
    ImportJobMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet
):
    """Imports of a cluster's local policies by its agency staff."""

    model = PolicyImportJob
    permission_classes = [IsClusterStaffWriter]
    action_permissions = {"list": [IsClusterStaff], "retrieve": [IsClusterStaff]}

    def scoped_queryset(self):
        return selectors.policy_import_job_list(cluster=self.cluster)
