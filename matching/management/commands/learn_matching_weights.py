import json

from django.core.management.base import BaseCommand, CommandError

from cluster_platform.models import Cluster
from matching.services import matching_weights_learn


class Command(BaseCommand):
    help = "Learn a cluster's matching weights from its feedback and print the report (used or why not)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the cluster's slug")

    def handle(self, *args, slug, **options):
        cluster = Cluster.objects.filter(slug=slug, is_active=True).first()
        if cluster is None:
            raise CommandError(f"No active cluster with slug {slug!r}.")
        result = matching_weights_learn(cluster=cluster)
        self.stdout.write(json.dumps(result.as_report(), ensure_ascii=False, indent=2))
