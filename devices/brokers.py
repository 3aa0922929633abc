"""Brokers the platform starts itself: the embedded development broker and private Mosquittos.

- `embedded_broker_run`: amqtt, a pure-Python broker from PyPI (pinned), so that a fresh clone
  has working MQTT with nothing installed; `make demo` starts it beside the ingestion worker when
  MQTT_URL is unset. It speaks MQTT 3.1.1, so there is no shared subscription (one worker).
- `mosquitto_start`: the machine's Mosquitto binary with the platform's settings (generous
  queues, optionally the dynamic-security plugin) on a port of its own, for the benchmark and
  for the broker tests, which must not change the machine's own broker.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DYNSEC_PLUGIN_PATHS = [
    "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
    "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
    "/usr/lib/mosquitto_dynamic_security.so",
    "/usr/local/lib/mosquitto_dynamic_security.so",
]


@dataclass
class PrivateMosquitto:
    process: subprocess.Popen
    port: int
    admin_url: str | None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dynsec_plugin_path() -> str | None:
    return next((path for path in DYNSEC_PLUGIN_PATHS if Path(path).exists()), None)


def mosquitto_available(*, dynsec: bool = False) -> bool:
    return shutil.which("mosquitto") is not None and (
        not dynsec or (dynsec_plugin_path() is not None and shutil.which("mosquitto_ctrl") is not None)
    )


def mosquitto_start(*, workdir: Path, dynsec: bool = False) -> PrivateMosquitto:
    """Start a Mosquitto on a free local port; with `dynsec`, also an admin account for provisioning."""
    port = free_port()
    lines = [
        f"listener {port} 127.0.0.1",
        "persistence false",
        "max_inflight_messages 0",
        "max_queued_messages 2000000",
        "max_queued_bytes 0",
        "message_size_limit 16384",
    ]
    if os.geteuid() == 0:
        # Started as root, Mosquitto would switch to the `mosquitto` user, which cannot read
        # the private working directory; this broker is ours and short-lived.
        lines.append("user root")
    admin_url = None
    if dynsec:
        config = workdir / "dynamic-security.json"
        password = "admin-" + socket.gethostname()[:8] + str(port)
        subprocess.run(
            ["mosquitto_ctrl", "dynsec", "init", str(config), "platform-admin", password],
            check=True,
            capture_output=True,
        )
        lines += [f"plugin {dynsec_plugin_path()}", f"plugin_opt_config_file {config}"]
        admin_url = f"mqtt://platform-admin:{password}@127.0.0.1:{port}"
    else:
        lines.append("allow_anonymous true")
    conf = workdir / "mosquitto.conf"
    conf.write_text("\n".join(lines) + "\n")
    process = subprocess.Popen(
        ["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait_for_port(port, process)
    return PrivateMosquitto(process=process, port=port, admin_url=admin_url)


def _wait_for_port(port: int, process: subprocess.Popen, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the broker exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"no broker listening on {port}")


def embedded_broker_run(*, port: int) -> None:
    """Run the amqtt broker in the foreground on 127.0.0.1:port until interrupted."""
    from amqtt.broker import Broker

    config = {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {
            "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
        },
    }

    async def serve() -> None:
        broker = Broker(config)
        await broker.start()
        try:
            await asyncio.Event().wait()
        finally:
            await broker.shutdown()

    asyncio.run(serve())
