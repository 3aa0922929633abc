from services.api.cluster_urls_delivery import urlpatterns as delivery_urlpatterns

urlpatterns: list = [*delivery_urlpatterns]
