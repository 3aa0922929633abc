"""The management commands parse their options into what handle() takes (the MQTT paths
themselves run in test_mqtt.py and the benchmark)."""

import inspect

import pytest
from django.core.management import get_commands, load_command_class

BASE_OPTIONS = {"verbosity", "settings", "pythonpath", "traceback", "no_color", "force_color", "skip_checks"}


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("ingest_telemetry", ["--client-id", "w1", "--batch-size", "10", "--max-wait-ms", "5", "--watch"]),
        (
            "simulate_devices",
            ["--cluster", "wuxi-iot,gd-bags", "--devices", "3", "--speed", "2", "--seconds", "1"],
        ),
        ("run_mqtt_broker", ["--port", "18999"]),
    ],
)
def test_every_option_reaches_handle(name, argv):
    command = load_command_class(get_commands()[name], name)
    options = vars(command.create_parser("manage.py", name).parse_args(argv))
    parameters = inspect.signature(command.handle).parameters
    required = {p.name for p in parameters.values() if p.kind is p.KEYWORD_ONLY and p.default is p.empty}
    assert required <= set(options), f"{name}: handle() needs {required - set(options)}"
    assert set(options) - BASE_OPTIONS <= {p.name for p in parameters.values()}
