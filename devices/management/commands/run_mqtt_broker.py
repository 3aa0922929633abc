import contextlib

from django.conf import settings
from django.core.management.base import BaseCommand

from devices.brokers import embedded_broker_run


class Command(BaseCommand):
    help = (
        "Run the embedded MQTT broker (amqtt, MQTT 3.1.1) on 127.0.0.1:MQTT_EMBEDDED_PORT, for "
        "development without MQTT_URL. Production uses Mosquitto (docker/mosquitto)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=None)

    def handle(self, *args, port, **options):
        port = port or settings.MQTT_EMBEDDED_PORT
        self.stdout.write(f"embedded MQTT broker on 127.0.0.1:{port}")
        with contextlib.suppress(KeyboardInterrupt):
            embedded_broker_run(port=port)
