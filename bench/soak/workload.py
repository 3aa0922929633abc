"""The soak's mixed workload: the demo's users doing what they do on the platform, over HTTP.

Each client thread repeats scenarios picked by weight: browsing the catalog, machines, policies
and notifications; searching offerings and policies; checking policy eligibility (the anonymous
check and the SME's own matches); booking a shared machine (read its calendar, book a free hour,
the partner confirms, the SME cancels, so the calendar never fills up); a whole engagement (the
SME requests one of the demo partner's offerings, the partner accepts, starts and delivers, the
SME confirms and reviews). One more thread starts a match run as the agency's admin at a fixed
interval and follows it to the end. Every request is timed and filed under its route.

Only the standard library: a new connection per request, as gunicorn's sync workers close each.
"""

import contextlib
import datetime
import http.client
import json
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

CLUSTER = "wuxi-iot"
BASE = f"/api/v1/clusters/{CLUSTER}"
PASSWORD = "demo-pass-2026"
ACCOUNTS = {"sme": "sme@wuxi-iot.demo", "partner": "partner@wuxi-iot.demo", "admin": "admin@wuxi-iot.demo"}
OFFERING_QUERIES = ["MES", "设备上云", "MEMS 仿真", "工业互联网", "数字化转型诊断", "预测性维护", "等保测评"]
POLICY_QUERIES = ["数字化", "补贴", "专精特新", "物联网", "智能制造 奖励", "研发费用"]
REGIONS = ["320214", "320205", "320282", "440104", "440306", "330106"]
INDUSTRIES = ["C39", "C3982", "C35", "I65", "C18", "C26"]


class UnexpectedAnswer(Exception):
    """A status the scenario did not expect (counted; the scenario stops there)."""


@dataclass
class Stats:
    """Latencies per route, and every status seen, shared by the client threads."""

    latencies: dict = field(default_factory=lambda: defaultdict(list))
    statuses: dict = field(default_factory=lambda: defaultdict(int))
    server_errors: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)
    failures: list = field(default_factory=list)  # no answer at all: refused, reset, timed out
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[route].append(seconds)
            self.statuses[status] += 1

    @property
    def requests(self) -> int:
        with self.lock:
            return sum(len(samples) for samples in self.latencies.values())


class Client:
    """One user's HTTP client (a token, or anonymous) against the server on `port`."""

    def __init__(self, port: int, stats: Stats, token: str | None = None):
        self.port, self.stats, self.token = port, stats, token

    def call(self, method: str, path: str, route: str, *, body=None, query=None, expect=(200,)):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if query:
            path = f"{path}?{urlencode(query, quote_via=quote)}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        except OSError as error:
            with self.stats.lock:
                self.stats.failures.append(f"{method} {path}: {type(error).__name__}: {error}")
            raise UnexpectedAnswer(str(error)) from None
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        self.stats.record(f"{method} {route}", response.status, elapsed)
        data = (
            json.loads(raw)
            if raw and response.getheader("Content-Type", "").startswith("application/json")
            else None
        )
        if response.status >= 500:
            with self.stats.lock:
                self.stats.server_errors.append(f"{method} {path}: {response.status} {raw[:300]!r}")
            raise UnexpectedAnswer(response.status)
        if response.status not in expect:
            with self.stats.lock:
                self.stats.unexpected.append(f"{method} {path}: {response.status} {raw[:300]!r}")
            raise UnexpectedAnswer(response.status)
        return response.status, data


def sign_in(port: int, stats: Stats, role: str) -> Client:
    anonymous = Client(port, stats)
    _, body = anonymous.call(
        "POST", "/api/v1/auth/login/", "auth/login", body={"email": ACCOUNTS[role], "password": PASSWORD}
    )
    return Client(port, stats, body["token"])


@dataclass
class World:
    """What the scenarios pick from, read through the API once at the start."""

    sme: Client
    partner: Client
    admin: Client
    anonymous: Client
    sme_enterprise: str
    offerings: list[str]  # published offerings of the cluster, to browse
    partner_offerings: list[str]  # the demo partner's published offerings, to engage
    machines: list[str]  # the demo partner's approved online machines, to book
    policies: list[str]
    busy_offerings: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def world_load(port: int, stats: Stats) -> World:
    sme, partner, admin = (sign_in(port, stats, role) for role in ("sme", "partner", "admin"))
    _, me = sme.call("GET", "/api/v1/me/", "me")
    _, partner_me = partner.call("GET", "/api/v1/me/", "me")
    sme_enterprise = me["enterprises"][0]["id"]
    partner_enterprise = partner_me["enterprises"][0]["id"]
    _, page = sme.call("GET", f"{BASE}/offerings/", "offerings", query={"page_size": 100})
    offerings = [row["id"] for row in page["results"]]
    _, page = sme.call(
        "GET", f"{BASE}/offerings/", "offerings", query={"partner": partner_enterprise, "status": "published"}
    )
    partner_offerings = [row["id"] for row in page["results"]]
    _, page = sme.call(
        "GET", f"{BASE}/machines/", "machines", query={"partner": partner_enterprise, "page_size": 100}
    )
    machines = [row["id"] for row in page["results"]]
    _, page = sme.call("GET", f"{BASE}/policies/", "policies", query={"page_size": 100})
    policies = [row["id"] for row in page["results"]]
    if not (offerings and partner_offerings and machines and policies):
        raise RuntimeError("the demo data lacks offerings, machines or policies to work with")
    return World(
        sme=sme,
        partner=partner,
        admin=admin,
        anonymous=Client(port, stats),
        sme_enterprise=sme_enterprise,
        offerings=offerings,
        partner_offerings=partner_offerings,
        machines=machines,
        policies=policies,
    )


# --- Scenarios ------------------------------------------------------------------------------------


def browse(world: World, rng: random.Random) -> None:
    pick = rng.randrange(7)
    if pick == 0:
        world.anonymous.call("GET", f"{BASE}/offerings/", "offerings", query={"page": rng.randint(1, 3)})
    elif pick == 1:
        world.sme.call("GET", f"{BASE}/offerings/{rng.choice(world.offerings)}/", "offerings/{id}")
    elif pick == 2:
        world.anonymous.call("GET", f"{BASE}/machines/", "machines", query={"page": rng.randint(1, 5)})
    elif pick == 3:
        world.sme.call("GET", f"{BASE}/policies/{rng.choice(world.policies)}/", "policies/{id}")
    elif pick == 4:
        world.sme.call("GET", "/api/v1/notifications/unread-count/", "notifications/unread-count")
    elif pick == 5:
        world.sme.call("GET", f"{BASE}/engagements/", "engagements", query={"side": "sme"})
    else:
        world.anonymous.call("GET", "/api/v1/status/live/", "status/live")


def search(world: World, rng: random.Random) -> None:
    if rng.random() < 0.5:
        world.anonymous.call(
            "GET", f"{BASE}/offerings/", "offerings?q", query={"q": rng.choice(OFFERING_QUERIES)}
        )
    else:
        world.sme.call("GET", f"{BASE}/policies/", "policies?q", query={"q": rng.choice(POLICY_QUERIES)})


def policy_check(world: World, rng: random.Random) -> None:
    if rng.random() < 0.5:
        profile = {
            "region_code": rng.choice(REGIONS),
            "industry_code": rng.choice(INDUSTRIES),
            "employees": rng.randint(5, 900),
            "operating_revenue": rng.randint(1, 400) * 1_000_000,
            "limit": 10,
        }
        world.anonymous.call("POST", "/api/v1/policy-check/", "policy-check", body=profile)
    else:
        world.sme.call(
            "GET",
            f"/api/v1/enterprises/{world.sme_enterprise}/policy-matches/",
            "enterprises/{id}/policy-matches",
            query={"limit": 10},
        )


def booking(world: World, rng: random.Random) -> None:
    """Read a machine's calendar, book a free hour, the partner confirms, the SME cancels."""
    machine = rng.choice(world.machines)
    first = datetime.date.today() + datetime.timedelta(days=rng.randint(2, 60))
    _, calendar = world.sme.call(
        "GET",
        f"{BASE}/machines/{machine}/calendar/",
        "machines/{id}/calendar",
        query={"date_from": first.isoformat(), "date_to": (first + datetime.timedelta(days=6)).isoformat()},
    )
    slot = _free_hour(calendar, rng)
    if slot is None:
        return
    status, booked = world.sme.call(
        "POST",
        f"{BASE}/bookings/",
        "bookings",
        body={
            "machine": machine,
            "start": slot[0].isoformat(),
            "end": slot[1].isoformat(),
            "purpose": "样品测试",
        },
        expect=(201, 409),  # 409: another client took the slot since the calendar was read
    )
    if status == 409:
        return
    world.partner.call("POST", f"{BASE}/bookings/{booked['id']}/confirm/", "bookings/{id}/confirm")
    world.sme.call(
        "POST", f"{BASE}/bookings/{booked['id']}/cancel/", "bookings/{id}/cancel", body={"reason": "改期"}
    )


def _free_hour(calendar: dict, rng: random.Random):
    busy = [
        (datetime.datetime.fromisoformat(b["start"]), datetime.datetime.fromisoformat(b["end"]))
        for b in calendar["busy"]
    ]
    windows = calendar["open"][:]
    rng.shuffle(windows)
    for window in windows:
        start = datetime.datetime.fromisoformat(window["start"])
        end = datetime.datetime.fromisoformat(window["end"])
        hours = int((end - start).total_seconds() // 3600)
        for offset in rng.sample(range(hours), hours) if hours > 0 else []:
            slot = (start + datetime.timedelta(hours=offset), start + datetime.timedelta(hours=offset + 1))
            if all(slot[1] <= b_start or slot[0] >= b_end for b_start, b_end in busy):
                return slot
    return None


def engagement(world: World, rng: random.Random) -> None:
    """request → accept → start → deliver → confirm → review, on an offering no other thread holds
    (an SME keeps one open engagement per offering)."""
    with world.lock:
        free = [offering for offering in world.partner_offerings if offering not in world.busy_offerings]
        if not free:
            return
        offering = rng.choice(free)
        world.busy_offerings.add(offering)
    try:
        _, created = world.sme.call(
            "POST",
            f"{BASE}/engagements/",
            "engagements",
            body={"offering": offering, "message": "希望尽快对接"},
            expect=(201,),
        )
        path = f"{BASE}/engagements/{created['id']}"
        for action in ("accept", "start", "deliver"):
            world.partner.call("POST", f"{path}/{action}/", f"engagements/{{id}}/{action}", body={})
        world.sme.call("POST", f"{path}/confirm/", "engagements/{id}/confirm", body={})
        world.sme.call(
            "POST",
            f"{path}/review/",
            "engagements/{id}/review",
            body={"rating": rng.randint(3, 5), "comment": "交付及时"},
            expect=(201,),
        )
    finally:
        with world.lock:
            world.busy_offerings.discard(offering)


SCENARIOS = [(browse, 40), (search, 20), (policy_check, 15), (booking, 15), (engagement, 10)]


def client_loop(world: World, seed: int, until: float, think: float, stop: threading.Event) -> None:
    rng = random.Random(seed)
    functions, weights = zip(*SCENARIOS, strict=True)
    while time.monotonic() < until and not stop.is_set():
        scenario = rng.choices(functions, weights)[0]
        with contextlib.suppress(UnexpectedAnswer):  # counted by the client; the next scenario starts afresh
            scenario(world, rng)
        time.sleep(think * rng.uniform(0.5, 1.5))


@dataclass
class MatchRuns:
    started: int = 0
    completed: int = 0
    failed: int = 0


def match_loop(world: World, runs: MatchRuns, until: float, interval: float, stop: threading.Event) -> None:
    """The agency's admin starts a match run every `interval` seconds and follows it to its end."""
    while time.monotonic() < until and not stop.is_set():
        next_start = time.monotonic() + interval
        try:
            _, run = world.admin.call("POST", f"{BASE}/match-runs/", "match-runs", body={}, expect=(202,))
            runs.started += 1
            while not stop.is_set():
                _, current = world.admin.call("GET", f"{BASE}/match-runs/{run['id']}/", "match-runs/{id}")
                if current["status"] == "completed":
                    runs.completed += 1
                    break
                if current["status"] == "failed":
                    runs.failed += 1
                    break
                stop.wait(1.0)
        except UnexpectedAnswer:
            pass
        stop.wait(max(0.0, next_start - time.monotonic()))
