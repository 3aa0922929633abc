from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cluster_platform.models import Cluster
from matching.models import MatchRunTrigger
from matching.services import match_run_now


class Command(BaseCommand):
    help = "Score every open demand and SME of a cluster against its offerings and store the recommendations."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the cluster's slug")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--writers",
            type=int,
            default=1,
            help="chunks written at once, each on its own connection (default 1)",
        )

    def handle(self, *args, slug, no_progress, writers, **options):
        cluster = Cluster.objects.filter(slug=slug, is_active=True).first()
        if cluster is None:
            raise CommandError(f"No active cluster with slug {slug!r}.")
        bar = None if no_progress else tqdm(total=0, unit="chunk", desc=f"matching {slug}")

        def progress(done, total):
            if bar is not None:
                bar.total = total
                bar.update(1)

        if writers < 1:
            raise CommandError("--writers must be at least 1.")
        run = match_run_now(
            cluster=cluster, trigger=MatchRunTrigger.COMMAND, progress=progress, writers=writers
        )
        if bar is not None:
            bar.close()
        self.stdout.write(
            f"run {run.pk}: {run.status}, {run.subjects_total} demands and SMEs x {run.offerings_total} offerings, "
            f"{run.recommendations_count} recommendations in {run.duration_seconds}s"
        )
