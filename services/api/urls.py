from rest_framework.routers import DefaultRouter

from services.api.views.catalog import CategoryViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("service-categories", CategoryViewSet, basename="service-category")

urlpatterns = router.urls
