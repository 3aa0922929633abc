"""Serving and loading: gunicorn processes for both sides, and wrk runs against them."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

WORKERS = 2
CONNECTIONS = 20
# One wrk thread: it keeps 20 connections busy on its own and leaves the cores to the servers.
WRK_THREADS = 1
REPO = Path(__file__).resolve().parent.parent.parent

WRK_MISSING = (
    "wrk is not installed. On Debian or Ubuntu: `sudo apt-get install -y wrk`; on macOS: "
    "`brew install wrk`; elsewhere build it from https://github.com/wg/wrk."
)

# wrk cycles through the paths and prints one JSON line with its figures when done.
LUA = """
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Accept"] = "application/json"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %%d, "duration_us": %%d, "http_errors": %%d, "socket_errors": %%d, '
    .. '"p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(WRK_MISSING)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            # gunicorn was started in its own session: signal its group (master and workers) only.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start(name: str, *, wsgi: str, environment: dict, ready_path: str, log_dir: Path) -> Server:
    """gunicorn with WORKERS sync workers, as the platform's image runs it, without an access log
    (the same on both sides); returns once `ready_path` answers 200."""
    port = _free_port()
    log = log_dir / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        wsgi,
        f"--workers={WORKERS}",
        f"--bind=127.0.0.1:{port}",
        "--timeout=60",
        "--graceful-timeout=10",
    ]
    env = {**os.environ, **environment}
    env.pop("GUNICORN_CMD_ARGS", None)
    env.pop("WEB_CONCURRENCY", None)
    with open(log, "wb") as stream:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name=name, port=port, process=process, log=log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"{name} exited with {process.returncode}; see {log}:\n{log.read_text()[-3000:]}"
            )
        try:
            status, _body = get(server, ready_path)
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.stop()
    raise SystemExit(f"{name} did not answer {ready_path} within 90 s; see {log}")


def get(server: Server, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def wrk(server: Server, paths: list[str], *, seconds: int) -> Run:
    """`seconds` of wrk over `paths` in turn; any error or non-2xx answer fails the benchmark."""
    quoted = ", ".join(json.dumps(path) for path in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"paths": quoted})
    try:
        completed = subprocess.run(
            [
                wrk_path(),
                f"--threads={WRK_THREADS}",
                f"--connections={CONNECTIONS}",
                f"--duration={seconds}s",
                "--timeout=10s",
                f"--script={script.name}",
                server.url("/"),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    line = next(row for row in completed.stdout.splitlines() if row.startswith("WRK_RESULT "))
    result = json.loads(line.removeprefix("WRK_RESULT "))
    if result["http_errors"] or result["socket_errors"]:
        raise SystemExit(
            f"{server.name}: {result['http_errors']} HTTP error answers and {result['socket_errors']} socket "
            f"errors under load; see {server.log}\n{completed.stdout}"
        )
    return Run(
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
    )


def load_average() -> float:
    return os.getloadavg()[0]
