import socket

from django.conf import settings
from django.core.management.base import BaseCommand

from devices.mqtt import broker_address
from devices.worker import IngestionWorker


class Command(BaseCommand):
    help = (
        "Ingest device telemetry from the MQTT broker (MQTT_URL, or the embedded broker) into "
        "PostgreSQL; acknowledges each message after its batch commits. Run several with "
        "different --client-id values to share the load."
    )
    # A worker restarted after a crash must be back within seconds, with the broker holding its
    # backlog meanwhile: the system checks (URLconf, admin, models) take longer than the rest of its
    # start. A deployment runs them once, before its processes start (migrate runs them).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--client-id",
            default=f"ingest-{socket.gethostname()}-1",
            help="Stable per worker: the broker keeps this session's unacknowledged messages across restarts.",
        )
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--max-wait-ms", type=int, default=200, help="Longest wait to fill a batch.")
        parser.add_argument(
            "--watch",
            action="store_true",
            help="Also sweep statuses and alarms every 30 s (when no beat runs).",
        )
        parser.add_argument(
            "--url", default=None, help="Broker URL (default: MQTT_URL or the embedded broker)."
        )

    def handle(self, *args, client_id, batch_size, max_wait_ms, url, watch, **options):
        url = url if url is not None else settings.MQTT_URL
        # The embedded broker (no URL) speaks MQTT 3.1.1 only: no shared subscription there.
        mqtt5 = bool(url)
        worker = IngestionWorker(
            address=broker_address(url),
            client_id=client_id,
            share_group=settings.MQTT_SHARE_GROUP if mqtt5 else None,
            mqtt5=mqtt5,
            batch_size=batch_size,
            max_wait_s=max_wait_ms / 1000,
            watch_every_s=30 if watch else 0,
        )
        worker.install_signal_handlers()
        worker.run()
        totals = worker.totals
        self.stdout.write(
            f"stopped: accepted={totals.accepted} duplicates={totals.duplicates} dead_letter={totals.dead_lettered}"
        )
