import sys

from django.core.management.base import BaseCommand, CommandError

from policies.library_generator import generate_policies, write_jsonl


class Command(BaseCommand):
    help = "Write N realistic generated policies as JSON Lines (for load tests and benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--out", help="Output file (default: standard output).")

    def handle(self, *args, count: int, seed: int, out=None, **options):
        if count < 0:
            raise CommandError("N must not be negative.")
        records = generate_policies(count, seed=seed)
        if out:
            with open(out, "w", encoding="utf-8") as stream:
                written = write_jsonl(records, stream)
            self.stderr.write(f"{written} policies written to {out}")
        else:
            write_jsonl(records, sys.stdout)
