"""`python -m bench.devices`: MQTT telemetry ingestion end to end, with a worker killed mid-stream.

N simulated devices publish QoS 1 telemetry through the broker at a target rate: a Mosquitto
started from the machine's binary with the platform's broker settings (docker/mosquitto: large
queues for the workers' persistent sessions), or BENCH_MQTT_URL. `manage.py ingest_telemetry`
workers (an MQTT 5 shared subscription splits the stream between them) write it into a
throw-away database. Two phases of the same stream:

1. steady state: msgs_per_s (good messages stored per second, from the first device timestamp
   to the last row stored) and p99_latency_ms (device timestamp to the row's insert time);
2. the same stream again, with every worker killed with SIGKILL at 40 % and started again at
   once: p99_with_kill_ms (the outage included) and restart_s.

Then the database is checked against everything published in both phases:

- lost: published good messages that are not stored;
- duplicated: rows beyond one per (device, seq), plus hourly-rollup counts beyond the rows;
- dead_letter: refused messages (the run publishes a few bad ones on purpose: dead_letter_expected).

Baseline, in the same run and without the broker: the same validation and storage done row by
row (one INSERT and rollup update per message, each committed on its own, as a consumer that
acknowledges each message after its own commit would do), against the batch path (COPY and
one transaction per batch) on the same messages: baseline_msgs_per_s, core_msgs_per_s and ratio.

Environment: BENCH_DEVICES (default 200), BENCH_MESSAGES (per phase, default 60000), BENCH_RATE
(target messages per second, default 6000), BENCH_PUBLISHERS (publishing processes, default 2),
BENCH_WORKERS (ingestion workers, default 2), BENCH_BASELINE_MESSAGES (default 3000),
BENCH_MQTT_URL.
"""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench import servers
from bench.common import Timer, bench_database, summary_line

ROOT = Path(__file__).resolve().parents[2]
BAD_EVERY = 997  # one message in this many carries an undeclared key: it must be dead-lettered


def _publish(
    url: str,
    slug: str,
    device_ids: list[str],
    count: int,
    rate: float,
    start_at: float,
    queue,
    seq_offset: int,
) -> None:
    """One publishing process: `count` messages over its devices, paced at `rate` per second."""
    from bench.devices.publisher import RawPublisher
    from devices.mqtt import broker_address

    address = broker_address(url)
    client = RawPublisher(
        host=address.host,
        port=address.port,
        client_id=f"bench-pub-{uuid.uuid4().hex[:8]}",
        username=address.username or "",
        password=address.password or "",
    )
    seqs = dict.fromkeys(device_ids, seq_offset)
    topics = {device_id: f"clusters/{slug}/devices/{device_id}/telemetry" for device_id in device_ids}
    bad = 0
    while time.time() < start_at:
        time.sleep(0.001)
    begin = time.monotonic()
    for n in range(count):
        due = begin + n / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        device_id = device_ids[n % len(device_ids)]
        seq = seqs[device_id]
        seqs[device_id] += 1
        values = {"spindle_speed": (n * 37) % 12000, "spindle_load": (n % 100) * 0.9, "power_kw": 3.5}
        if n % BAD_EVERY == BAD_EVERY - 1:
            values["undeclared_key"] = 1
            bad += 1
        payload = json.dumps({"ts": int(time.time() * 1000), "seq": seq, "values": values})
        client.publish(topics[device_id], payload.encode())
    if not client.wait_for_acks(timeout=120):
        raise RuntimeError(f"the broker acknowledged {client.acked} of {client.sent} messages")
    client.close()
    queue.put({"published": count, "bad": bad, "seconds": time.monotonic() - begin})


def _worker(env: dict, client_id: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "manage.py", "ingest_telemetry", "--client-id", client_id],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    for line in process.stderr:  # wait until it is subscribed
        if "subscribed to" in line:
            break
    else:
        raise RuntimeError(f"the ingestion worker exited ({process.wait()}) before subscribing")
    # Keep reading what it logs, or a full pipe would block it.
    threading.Thread(target=lambda: [None for _line in process.stderr], daemon=True).start()
    return process


def _counts(cursor) -> dict:
    cursor.execute(
        "SELECT count(*), count(DISTINCT (device_id, seq)), "
        "percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM ingested_at - ts)), "
        "max(ingested_at) FROM devices_telemetry"
    )
    rows, distinct, p99, last = cursor.fetchone()
    cursor.execute("SELECT coalesce(sum(messages), 0) FROM devices_devicehourly")
    rollup = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM devices_deadletter")
    dead = cursor.fetchone()[0]
    return {
        "rows": rows,
        "distinct": distinct,
        "p99_s": p99 or 0.0,
        "last": last,
        "rollup": rollup,
        "dead": dead,
    }


def _baseline(devices, count: int) -> tuple[float, float]:
    """Row by row against batched, on the same fresh messages (distinct seqs far above the run's)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from devices.mqtt import topic_for
    from devices.services.ingestion import InboundMessage, telemetry_ingest
    from devices.validation import is_running, message_decode, message_validate

    def messages(offset):
        now_ms = int(time.time() * 1000)
        return [
            InboundMessage(
                topic=topic_for(
                    cluster_slug=devices[n % len(devices)].cluster.slug,
                    device_id=devices[n % len(devices)].pk,
                ),
                payload=json.dumps(
                    {"ts": now_ms, "seq": offset + n, "values": {"spindle_speed": n % 9000, "power_kw": 2.0}}
                ).encode(),
                received_at=timezone.now(),
            )
            for n in range(count)
        ]

    by_id = {str(device.pk): device for device in devices}
    row_messages = messages(10_000_000)
    with Timer() as row_by_row:
        for message in row_messages:
            device = by_id[message.topic.split("/")[3]]
            decoded = message_decode(message.payload, max_bytes=16384)
            reading = message_validate(
                decoded,
                keys=device.telemetry_keys,
                now=timezone.now(),
                max_skew_s=300,
                oldest=timezone.now().replace(year=2000),
            )
            running = is_running(reading.values, running_key="spindle_speed", running_above=0)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    'INSERT INTO devices_telemetry (cluster_id, device_id, seq, ts, "values") VALUES (%s, %s, %s, %s, %s) '
                    "ON CONFLICT DO NOTHING",
                    [device.cluster_id, device.pk, reading.seq, reading.ts, json.dumps(reading.values)],
                )
                cursor.execute(
                    "INSERT INTO devices_devicehourly (cluster_id, device_id, hour, messages, running_messages) "
                    "VALUES (%s, %s, date_trunc('hour', %s::timestamptz), 1, %s) ON CONFLICT (device_id, hour) DO UPDATE "
                    "SET messages = devices_devicehourly.messages + 1, "
                    "running_messages = devices_devicehourly.running_messages + EXCLUDED.running_messages",
                    [device.cluster_id, device.pk, reading.ts, int(running)],
                )
                cursor.execute(
                    "UPDATE devices_device SET latest_values = latest_values || %s::jsonb, last_seen_at = now() WHERE id = %s",
                    [json.dumps(reading.values), device.pk],
                )
    batch_messages = messages(20_000_000)
    with Timer() as batched:
        for start in range(0, count, 2000):
            telemetry_ingest(messages=batch_messages[start : start + 2000])
    return count / row_by_row.seconds, count / batched.seconds


def main() -> None:
    device_count = int(os.environ.get("BENCH_DEVICES", "200"))
    total = int(os.environ.get("BENCH_MESSAGES", "60000"))
    rate = float(os.environ.get("BENCH_RATE", "6000"))
    publishers = int(os.environ.get("BENCH_PUBLISHERS", "2"))
    worker_count = int(os.environ.get("BENCH_WORKERS", "2"))
    baseline_count = int(os.environ.get("BENCH_BASELINE_MESSAGES", "3000"))
    url = os.environ.get("BENCH_MQTT_URL", "")
    private = None
    if not url:
        from devices.brokers import mosquitto_available, mosquitto_start

        if not mosquitto_available():
            # The embedded development broker (amqtt) does not redeliver to a resumed session,
            # so it cannot show what this measures.
            print("devices: skipped (needs Mosquitto: install it or set BENCH_MQTT_URL)")
            return
        private = mosquitto_start(workdir=Path(tempfile.mkdtemp(prefix="bench-mosquitto-")))
        url = f"mqtt://127.0.0.1:{private.port}"
    try:
        _run(
            url=url,
            device_count=device_count,
            total=total,
            rate=rate,
            publishers=publishers,
            worker_count=worker_count,
            baseline_count=baseline_count,
        )
    finally:
        if private is not None:
            private.stop()


def _phase(*, url, slug, ids, total, rate, publishers, seq_offset, kill=None) -> dict:
    """Publish `total` messages at `rate` from `publishers` processes; `kill(at)` runs at 40 %."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 1.0
    share = total // publishers
    processes = [
        context.Process(
            target=_publish,
            args=(url, slug, ids[p::publishers], share, rate / publishers, start_at, results, seq_offset),
        )
        for p in range(publishers)
    ]
    for process in processes:
        process.start()
    outage = None
    if kill is not None:
        kill_at = start_at + 0.4 * total / rate
        while time.time() < kill_at:
            time.sleep(0.01)
        outage = kill()
    outcomes = [results.get() for _process in processes]
    for process in processes:
        process.join()
    return {
        "start": start_at,
        "published": share * publishers,
        "bad": sum(outcome["bad"] for outcome in outcomes),
        "seconds": max(outcome["seconds"] for outcome in outcomes),
        "outage": outage,
    }


def _drain(cursor, *, good: int, bad: int) -> dict:
    """Wait until everything published is stored or dead-lettered, or nothing moves for 20 s."""
    previous, still_since = -1, time.monotonic()
    while True:
        counts = _counts(cursor)
        if counts["distinct"] >= good and counts["dead"] >= bad:
            return counts
        if counts["rows"] != previous:
            previous, still_since = counts["rows"], time.monotonic()
        elif time.monotonic() - still_since > 20:
            return counts
        time.sleep(0.2)


def _latency(cursor, *, since: float, until: float | None = None) -> tuple[int, float, float]:
    """Rows, messages per second (first device timestamp to last row stored) and p99 latency (s)
    of the readings whose device timestamp falls in the window."""
    cursor.execute(
        "SELECT count(*), extract(epoch FROM max(ingested_at) - min(ts)), "
        "percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM ingested_at - ts)) "
        "FROM devices_telemetry WHERE ts >= to_timestamp(%s) AND ts < to_timestamp(%s)",
        [since, until or time.time() + 3600],
    )
    rows, span, p99 = cursor.fetchone()
    return rows, rows / float(span or 1), float(p99 or 0)


def _run(
    *,
    url: str,
    device_count: int,
    total: int,
    rate: float,
    publishers: int,
    worker_count: int,
    baseline_count: int,
) -> None:
    with bench_database("cluster_platform_bench_devices") as connection:
        from django.utils import timezone

        from cluster_platform.models import Cluster
        from devices.models import Device, DeviceType
        from devices.services.registry import device_secret_hash
        from enterprises.models import Enterprise
        from enterprises.uscc import uscc_compose

        run = uuid.uuid4().hex[:8]
        slug = f"bench-{run}"
        cluster = Cluster.objects.create(
            slug=slug, name="基准集群", region_code="320214", agency_name="基准促进中心"
        )
        enterprise = Enterprise.objects.create(
            uscc=uscc_compose(region_code="320214", serial=700_001),
            name="基准设备企业",
            region_code="320214",
            industry_code="C34",
        )
        cnc = DeviceType.objects.get(code="cnc")
        devices = Device.objects.bulk_create(
            Device(
                cluster=cluster,
                enterprise=enterprise,
                device_type=cnc,
                name=f"bench-{n:04d}",
                telemetry_keys=cnc.default_keys,
                secret_hash=device_secret_hash(f"bench-{n}"),
                credentials_issued_at=timezone.now(),
            )
            for n in range(device_count)
        )
        for device in devices:
            device.cluster = cluster

        env = {
            **os.environ,
            "DATABASE_URL": servers.database_url_named(connection.settings_dict["NAME"]),
            "MQTT_URL": url,
            "MQTT_SHARE_GROUP": f"bench-{run}",
            "DJANGO_SETTINGS_MODULE": "cluster_platform.settings.base",
            "LOG_LEVEL": "INFO",
        }
        client_ids = [f"bench-ingest-{run}-{n}" for n in range(worker_count)]
        workers = [_worker(env, client_id) for client_id in client_ids]
        ids = [str(device.pk) for device in devices]
        connection.close()  # forked publishers must not share the parent's connection

        # 1. Steady state: the workers keep up with the stream, or the latency shows they do not.
        steady = _phase(
            url=url, slug=slug, ids=ids, total=total, rate=rate, publishers=publishers, seq_offset=0
        )

        # 2. The same stream again; at 40 % every worker is killed with SIGKILL and started again.
        def kill_and_restart() -> dict:
            for worker in workers:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
            killed = time.time()
            workers[:] = [_worker(env, client_id) for client_id in client_ids]
            return {"killed": killed, "restarted": time.time()}

        time.sleep(2)  # let the steady phase drain before its window closes
        outage = _phase(
            url=url,
            slug=slug,
            ids=ids,
            total=total,
            rate=rate,
            publishers=publishers,
            seq_offset=1_000_000,
            kill=kill_and_restart,
        )
        published = steady["published"] + outage["published"]
        bad = steady["bad"] + outage["bad"]
        with connection.cursor() as cursor:
            counts = _drain(cursor, good=published - bad, bad=bad)
            _rows, steady_rate, steady_p99 = _latency(
                cursor, since=steady["start"], until=outage["start"] - 1
            )
            _rows, _rate, outage_p99 = _latency(cursor, since=outage["start"])
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()

        baseline_rate, core_rate = _baseline(devices, baseline_count)

    print(
        summary_line(
            "devices",
            {
                "messages": published,
                "msgs_per_s": steady_rate,
                "p99_latency_ms": round(steady_p99 * 1000),
                "lost": max(0, published - bad - counts["distinct"]),
                "duplicated": (counts["rows"] - counts["distinct"]) + (counts["rollup"] - counts["rows"]),
                "dead_letter": counts["dead"],
                "dead_letter_expected": bad,
                "p99_with_kill_ms": round(outage_p99 * 1000),
                "restart_s": outage["outage"]["restarted"] - outage["outage"]["killed"],
                "target_rate": rate,
                "workers": worker_count,
                "devices": device_count,
                "baseline_msgs_per_s": baseline_rate,
                "core_msgs_per_s": core_rate,
                "ratio": core_rate / baseline_rate,
            },
        )
    )


if __name__ == "__main__":
    main()
