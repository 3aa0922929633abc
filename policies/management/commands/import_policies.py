from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cluster_platform.models import Cluster
from policies.importing import ImportFileError, detect_format, parse_file
from policies.services import policy_import_rows


class Command(BaseCommand):
    help = "Import policies from a JSON Lines, CSV or XLSX file into the library (or a cluster's local policies)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["jsonl", "csv", "xlsx"], help="Default: from the file name.")
        parser.add_argument("--cluster", help="Slug of the cluster whose local policies these are.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, file: Path, format=None, cluster=None, no_progress=False, **options):
        target = None
        if cluster:
            target = Cluster.objects.filter(slug=cluster).first()
            if target is None:
                raise CommandError(f"No cluster with slug {cluster!r}.")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(str(error)) from None
        try:
            rows = parse_file(content, format or detect_format(file.name))
        except ImportFileError as error:
            raise CommandError(f"Nothing imported: {error}") from None
        with tqdm(total=len(rows), unit="row", disable=no_progress, file=self.stderr._out) as bar:

            def progress(outcome):
                bar.update(outcome.rows_done - bar.n)

            outcome = policy_import_rows(rows=rows, cluster=target, progress=progress)
        for error in outcome.errors:
            self.stderr.write(f"row {error['row']}: {error['field'] or '-'}: {error['reason']}")
        if outcome.failed > len(outcome.errors):
            self.stderr.write(f"... and {outcome.failed - len(outcome.errors)} more rejected rows")
        self.stdout.write(
            f"{outcome.rows_total} rows: {outcome.created} created, {outcome.updated} updated, {outcome.unchanged} unchanged, "
            f"{outcome.failed} rejected."
        )
