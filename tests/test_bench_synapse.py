"""The Synapse comparison's own logic that needs no Synapse: the generated homeserver
configuration (bench/synapse/config.py), the shared-secret registration MAC, the Matrix
sync parsing (bench/synapse/client.py), the delivery counting both servers share
(bench/delivery.py) and the closed loop (bench/saturation.py)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

from bench.delivery import tally
from bench.loadgen import Run
from bench.saturation import ClosedLoop, Window, measured_messages, side_by_side, throughput
from bench.synapse import config
from bench.synapse.client import BENCH_KEY, SyncClient

SECRETS = {
    "macaroon_secret_key": "m",
    "form_secret": "f",
    "registration_shared_secret": "shared-secret",
    "password": "p",
}


def make_config(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "directory": Path("/srv/synapse"),
        "host": "127.0.0.1",
        "port": 8448,
        "database": "synapse_bench",
        "pg_host": "127.0.0.1",
        "pg_port": 5432,
        "pg_user": "postgres",
        "secrets": SECRETS,
    }
    arguments.update(overrides)
    return config.homeserver_config(**arguments)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1"])
def test_loopback_addresses_are_accepted(host: str) -> None:
    assert config.require_loopback(host) == host


# "0.0.0.0" is what must be refused, not an address anything binds.
@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",  # noqa: S104
        "::",
        "10.0.0.5",
        "192.168.1.1",
        "8.8.8.8",
        "localhost",
        "matrix.org",
        "",
    ],
)
def test_anything_but_a_loopback_address_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        config.require_loopback(host)


@pytest.mark.parametrize("field", ["host", "pg_host"])
def test_config_refuses_to_bind_or_connect_beyond_loopback(field: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        make_config(**{field: "0.0.0.0"})  # noqa: S104


def test_config_listens_for_clients_on_loopback_only_and_calls_nobody() -> None:
    generated = make_config()
    [listener] = generated["listeners"]
    assert listener["bind_addresses"] == ["127.0.0.1"]
    assert [r["names"] for r in listener["resources"]] == [["client"]]  # no federation
    assert generated["enable_registration"] is False
    assert generated["registration_shared_secret"] == "shared-secret"
    assert generated["trusted_key_servers"] == []
    assert generated["report_stats"] is False
    assert generated["url_preview_enabled"] is False
    assert generated["presence"] == {"enabled": False}
    assert generated["federation_domain_whitelist"] == []
    assert generated["ip_range_blacklist"] == ["0.0.0.0/0", "::/0"]
    assert generated["database"]["args"]["dbname"] == "synapse_bench"
    assert generated["database"]["args"]["host"] == "127.0.0.1"


def _limits(section: Any) -> list[dict[str, Any]]:
    """Every per_second / burst_count pair inside a rate-limit section."""
    if "per_second" in section:
        return [section]
    return [leaf for sub in section.values() if isinstance(sub, dict) for leaf in _limits(sub)]


def test_every_rate_limit_is_out_of_reach() -> None:
    generated = make_config()
    sections = [key for key in generated if key.startswith("rc_")]
    for required in (
        "rc_message",
        "rc_login",
        "rc_joins",
        "rc_registration",
        "rc_invites",
        "rc_room_creation",
    ):
        assert required in sections
    for key in sections:
        for limit in _limits(generated[key]):
            assert limit["per_second"] >= 1_000_000, key
            assert limit["burst_count"] >= 1_000_000, key
    assert _limits(generated["rc_login"]) and len(_limits(generated["rc_login"])) == 3


def test_the_written_file_is_yaml_synapse_reads_back_unchanged() -> None:
    generated = make_config()
    assert yaml.safe_load(config.dump(generated)) == generated
    logging = yaml.safe_load(config.log_config(Path("/srv/synapse")))
    assert logging["handlers"]["file"]["filename"] == "/srv/synapse/homeserver.log"


def test_registration_mac_is_hmac_sha1_over_the_nul_separated_fields() -> None:
    # The construction of Synapse's admin registration API (and register_new_matrix_user);
    # bench.synapse setup registered its users against Synapse 1.163.2 with it.
    mac = config.registration_mac("shared-secret", "abc123", "u00001", "pass", admin=False)
    assert mac == "c130d96aa9d9bba18b5c5a0ddc104b249f28eeaf"
    assert config.registration_mac("shared-secret", "abc123", "u00001", "pass", admin=True) != mac


# --- counting ---------------------------------------------------------------------------------


def _run(total: int) -> Run:
    return Run(prefix="t:", total=total, warmup=0)


def test_tally_counts_latency_lost_late_and_skips_refused_sends() -> None:
    members_of = [{0, 1, 2}, {3, 4, 5}]
    run = _run(3)
    # 0: to room 0 by member 0, reaches 1 after 50 ms and 2 after 20 s (late, so lost).
    run.due[0], run.sender[0], run.conversation[0], run.status[0] = 100.0, 0, 0, 201
    run.answered[0] = 100.03
    run.arrivals[0] = {1: 100.05, 2: 120.0}
    # 1: to room 1 by member 3, reaches 4 and 5 after 10 and 30 ms.
    run.due[1], run.sender[1], run.conversation[1], run.status[1] = 101.0, 3, 1, 200
    run.answered[1] = 101.005
    run.arrivals[1] = {4: 101.01, 5: 101.03}
    # 2: refused (429): nobody should hear of it.
    run.due[2], run.sender[2], run.conversation[2], run.status[2] = 102.0, 0, 0, 429
    run.duplicates = 1
    counted = tally(run, 3, [0, 1, 2], members_of, deliver_timeout=10)
    assert counted["deliveries_expected"] == 4
    assert counted["lost"] == 1 and counted["late"] == 1
    assert counted["latency_ms"]["count"] == 3
    assert counted["latency_ms"]["p50"] == 30.0 and counted["latency_ms"]["max"] == 50.0
    assert counted["send_ms"]["count"] == 2 and counted["send_ms"]["max"] == 30.0
    assert counted["duplicates"] == 1
    # Only measured messages give latencies; losses count over everything sent.
    warm = tally(run, 3, [1], members_of, deliver_timeout=10)
    assert warm["latency_ms"]["count"] == 2 and warm["lost"] == 1


def test_throughput_counts_answers_inside_the_window_and_measured_ones_begin_there() -> None:
    run = _run(4)
    window = Window(measure_from=10.0, measure_to=12.0)
    for k, (due, answered, status) in enumerate(
        [(9.5, 10.1, 201), (10.5, 10.6, 201), (11.0, 11.2, 500), (11.9, 12.5, 201)]
    ):
        run.due[k], run.answered[k], run.status[k] = due, answered, status
    assert throughput(run, 4, window) == 1.0  # messages 0 and 1 answered inside, over 2 s
    assert measured_messages(run, 4, window) == [1, 2, 3]


async def test_closed_loop_keeps_each_sender_to_one_message_at_a_time() -> None:
    conversations = [[0, 2, 4], [1, 3, 5]]
    run = _run(10_000)
    loop = ClosedLoop(run, conversations, senders=3, seed=1)
    in_flight = peak = 0

    async def send(k: int, c: int, author: int) -> None:
        nonlocal in_flight, peak
        assert author in conversations[c]
        assert c == k % 2  # conversations taken round-robin
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        run.status[k], run.answered[k] = 201, time.perf_counter()
        in_flight -= 1

    now = time.perf_counter()
    window = Window(now + 0.05, now + 0.25)
    sent = await loop.drive(window, send)
    assert peak == 3
    assert 30 <= sent <= 90  # ~3 senders x 25 sends of 10 ms
    assert all(run.due[k] < window.measure_to for k in range(sent))
    assert time.perf_counter() < window.measure_to + 0.1  # the last sends end promptly


async def test_closed_loop_gives_up_on_a_server_that_refuses_every_send() -> None:
    run = _run(10_000)
    loop = ClosedLoop(run, [[0, 1]], senders=2, seed=1)

    async def refused(k: int, c: int, author: int) -> None:
        run.status[k] = 400
        await asyncio.sleep(0)

    now = time.perf_counter()
    sent = await loop.drive(Window(now, now + 5), refused)
    assert loop.aborted == "the first 100 sends all failed"
    assert 100 <= sent <= 102
    assert time.perf_counter() < now + 1


# --- Matrix sync parsing ----------------------------------------------------------------------


class FakePool:
    """Answers one sync, then stops the run."""

    def __init__(self, run: Run, answer: dict[str, Any]) -> None:
        self.run, self.answer = run, answer
        self.paths: list[str] = []

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        self.paths.append(path)
        self.run.stopping = True
        return 200, self.answer


def _event(client_id: str) -> dict[str, Any]:
    return {"type": "m.room.message", "content": {"msgtype": "m.text", BENCH_KEY: client_id}}


async def test_sync_records_arrivals_of_this_runs_messages_to_members_only() -> None:
    members_of = [{0, 1}, {2, 3}]
    run = _run(4)
    run.sender[0], run.conversation[0] = 1, 0  # heard by member 0
    run.sender[1], run.conversation[1] = 0, 0  # member 0's own message: not measured
    run.sender[2], run.conversation[2] = 2, 1  # room 0 member 0 is not in: unexpected
    run.sender[3], run.conversation[3] = 1, 0  # arrives twice: one duplicate
    events = [
        _event("t:0"),
        _event("t:1"),
        _event("t:2"),
        _event("t:3"),
        _event("t:3"),
        _event("other-run:0"),
        {"type": "m.room.message", "content": {"body": "x"}},
    ]
    answer = {"next_batch": "s2", "rooms": {"join": {"!a:bench": {"timeline": {"events": events}}}}}
    pool = FakePool(run, answer)
    client = SyncClient(0, "@u00000:bench", "token", pool)  # type: ignore[arg-type]
    client.since = "s1"
    await client.listen(run, members_of)
    assert set(run.arrivals[0]) == {0} and set(run.arrivals[3]) == {0}
    assert run.arrivals[1] == {} and run.arrivals[2] == {}
    assert run.unexpected == 1 and run.duplicates == 1
    assert client.since == "s2"
    [path] = pool.paths
    assert "timeout=30000" in path and path.endswith("since=s1")
    sync_filter = json.loads(unquote(path.split("filter=")[1].split("&")[0]))
    assert sync_filter["room"]["timeline"]["types"] == ["m.room.message"]


def test_side_by_side_shows_each_server_in_a_column() -> None:
    result = {
        "answered_msgs_per_s": 12.5,
        "latency_ms": {"p50": 1, "p95": 2, "p99": 3, "max": 4, "count": 9},
        "send_ms": {"p50": 5, "p99": 6},
        "lost": 0,
        "late": 0,
        "duplicates": 0,
        "cpu_cores": {"server": 0.9, "postgres_bench": 0.2, "other": 0.1},
        "errors": {},
    }
    table = side_by_side({"portal": {**result, "answered_msgs_per_s": 80.0}, "synapse": result})
    header, rate, per_core = table.splitlines()[:3]
    assert header.split() == ["portal", "synapse"]
    assert rate.split()[-2:] == ["80.0", "12.5"]
    assert per_core.split()[-2:] == ["88.9", "13.9"]  # messages/s over 0.9 server cores
