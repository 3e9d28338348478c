"""Send-to-delivery load generator for messages: REST in, websocket out.

    .venv/bin/python -m bench.loadgen --users 1000 --conversations 100 --rate 200 --duration 60

Set-up (once, kept in var/bench/): ``--users`` users spread over ``--conversations`` groups,
made through Portal's services, each with a bearer token (bench/fixture.py). Then:

1. one websocket per user to ``/ws/`` (clients spread over the ``--url`` servers, default:
   every server bench.servers started, so that each conversation has members on every
   server), each waits for ``ready``;
2. an open-loop sender sends ``--rate`` messages a second in total for ``--duration``
   seconds (after ``--warmup`` seconds not counted in the latencies), each from a random
   member of a conversation taken round-robin, with a unique ``client_id`` (also written
   into the body with the wall-clock send time): with ``--send rest`` (the default) a POST
   to ``/api/v1/conversations/{id}/messages`` through the server the sender's socket is
   on, with ``--send ws`` a ``message.send`` frame with a ``ref`` on the sender's own open
   socket (docs/realtime.md), answered by its ``ack`` or ``error`` frame. Either way most
   deliveries cross from one node to another when there are several servers (counted);
3. every socket records when each ``message.add`` event reaches it.

Latency is from the moment the send was due (so a server or client that falls behind
shows up in it) to the moment the event is parsed on a member's socket, for every member
but the author. The server's CPU per message is the CPU time of the daphnes, of the
PostgreSQL backends on the benchmark database and of Redis while the measured messages
were sent and delivered, divided by the messages answered. A delivery missing
``--deliver-timeout`` seconds after its send is lost; a second delivery of the same message
to the same member is a duplicate. The run stops on
its own: after the schedule, or early when more than ``--max-in-flight`` requests are
outstanding (the server cannot keep up with the rate).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.common import CpuMeter, HttpPool, machine, save, summary_ms, wait_until_quiet
from bench.fixture import realtime_fixture
from bench.servers import DATABASE, load_servers

PHRASES = [
    "Прошу согласовать проект приказа до конца дня.",
    "Совещание по бюджету переносится на 15:00.",
    "Направляю отчёт о выполнении плана за квартал.",
    "Коллеги, посмотрите, пожалуйста, замечания юристов к договору.",
    "Сервер документооборота будет недоступен с 22:00 до 23:00.",
    "The report for the ministry is ready for review.",
    "Принято, беру в работу.",
    "Когда ждать ответ от департамента финансов?",
]


@dataclass
class Run:
    """Everything measured in one run, indexed by message number."""

    prefix: str
    total: int
    warmup: int
    due: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    sender: list[int] = field(default_factory=list)
    conversation: list[int] = field(default_factory=list)
    arrivals: list[dict[int, float]] = field(default_factory=list)
    duplicates: int = 0
    unexpected: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    # ws sends: the answer (status, error code) each sender waits for, by message number.
    answers: dict[int, asyncio.Future[tuple[int, str]]] = field(default_factory=dict)
    in_flight: int = 0
    stopping: bool = False

    def __post_init__(self) -> None:
        n = self.total
        self.due, self.answered = [0.0] * n, [0.0] * n
        self.status, self.sender, self.conversation = [0] * n, [-1] * n, [-1] * n
        self.arrivals = [{} for _ in range(n)]

    def answer(self, frame: dict[str, Any], now: float) -> None:
        """An ``ack`` or ``error`` frame for a ``message.send`` of this run: the time it
        was answered, and its HTTP-like status for the sender waiting on it."""
        ref = str(frame["ref"])
        if not ref.startswith(self.prefix):
            return
        k = int(ref[len(self.prefix) :])
        waiting = self.answers.get(k)
        if waiting is None or waiting.done():
            self.errors["ws_answer_unexpected"] += 1
            return
        self.answered[k] = now
        code = "" if frame["type"] == "ack" else str(frame.get("error", {}).get("code", ""))
        waiting.set_result((int(frame.get("status", 0)), code))


class Member:
    """One user's socket."""

    def __init__(self, index: int, token: str, ws_url: str) -> None:
        self.index, self.token, self.ws_url = index, token, ws_url
        self.conn: ClientConnection | None = None

    async def open(self) -> None:
        self.conn = await connect(
            self.ws_url, additional_headers={"Authorization": f"Bearer {self.token}"},
            proxy=None, compression=None, open_timeout=60, close_timeout=2,
            ping_interval=None, max_size=2**20,
        )  # fmt: skip
        frame = json.loads(await asyncio.wait_for(self.conn.recv(), 30))
        if frame.get("type") != "ready":
            raise RuntimeError(f"expected ready, got {frame}")

    async def listen(self, run: Run, members_of: list[set[int]]) -> None:
        assert self.conn is not None
        prefix, clock = run.prefix, time.perf_counter
        try:
            async for raw in self.conn:
                now = clock()
                frame = json.loads(raw)
                if frame.get("type") != "event":
                    if "ref" in frame and frame.get("type") in ("ack", "error"):
                        run.answer(frame, now)
                    elif frame.get("type") == "error":
                        run.errors[f"ws_error:{frame['error']['code']}"] += 1
                    continue
                event = frame["event"]
                if event.get("type") != "message" or event.get("op") != "add":
                    continue
                client_id = event["message"]["client_id"]
                if not client_id.startswith(prefix):
                    continue
                k = int(client_id[len(prefix) :])
                if self.index == run.sender[k]:
                    continue  # the author's own devices hear of it too; not measured
                if self.index not in members_of[run.conversation[k]]:
                    run.unexpected += 1
                elif self.index in run.arrivals[k]:
                    run.duplicates += 1
                else:
                    run.arrivals[k][self.index] = now
        except ConnectionClosed:
            if not run.stopping:
                run.errors["ws_closed"] += 1


def spread(users: int, conversations: int, servers: int) -> list[int]:
    """The server each user's socket is on: users are spread so that every conversation
    (users taken round-robin) has members on every server, and most deliveries cross from
    one node to another."""
    return [(i + i // conversations) % servers for i in range(users)]


async def open_all(members: list[Member], concurrency: int) -> tuple[float, list[float]]:
    """Open every member's socket, ``concurrency`` at a time: the seconds it took, and
    each handshake's."""
    gate = asyncio.Semaphore(concurrency)
    times: list[float] = []

    async def open_one(member: Member) -> None:
        async with gate:
            start = time.perf_counter()
            await member.open()
            times.append(time.perf_counter() - start)

    started = time.perf_counter()
    await asyncio.gather(*(open_one(m) for m in members))
    return time.perf_counter() - started, times


async def _send(
    run: Run, k: int, due: float, pool: HttpPool, conversation: dict[str, Any], sender: int,
    token: str,
) -> None:  # fmt: skip
    run.in_flight += 1
    client_id = f"{run.prefix}{k}"
    body = f"{PHRASES[k % len(PHRASES)]} [{client_id} t={time.time_ns()}]"
    try:
        status, _ = await pool.request(
            "POST", f"/api/v1/conversations/{conversation['id']}/messages", token=token,
            body={"client_id": client_id, "body": body},
        )  # fmt: skip
        run.status[k] = status
        if status not in (200, 201):
            run.errors[f"http_{status}"] += 1
    except Exception as exc:
        run.errors[f"post_{type(exc).__name__}"] += 1
    run.answered[k] = time.perf_counter()
    run.in_flight -= 1


async def _send_ws(
    run: Run, k: int, member: Member, conversation: dict[str, Any], timeout: float
) -> None:
    """Send message ``k`` as a ``message.send`` frame on the sender's own socket and wait
    for its ``ack`` or ``error`` (matched by ``ref``, answered time set by the listener)."""
    run.in_flight += 1
    client_id = f"{run.prefix}{k}"
    body = f"{PHRASES[k % len(PHRASES)]} [{client_id} t={time.time_ns()}]"
    answer = run.answers[k] = asyncio.get_running_loop().create_future()
    frame = {"type": "message.send", "ref": client_id, "conversation_id": conversation["id"],
             "client_id": client_id, "body": body}  # fmt: skip
    try:
        assert member.conn is not None
        await member.conn.send(json.dumps(frame, ensure_ascii=False))
        status, code = await asyncio.wait_for(answer, timeout)
        run.status[k] = status
        if status not in (200, 201):
            run.errors[f"ws_{status}:{code}"] += 1
    except TimeoutError:
        run.errors["ws_no_answer"] += 1
        run.answered[k] = time.perf_counter()
    except Exception as exc:
        run.errors[f"ws_send_{type(exc).__name__}"] += 1
        run.answered[k] = time.perf_counter()
    run.in_flight -= 1


def cpu_per_message(cpu: dict[str, float], seconds: float, messages: int) -> dict[str, float]:
    """Milliseconds of server CPU per message answered: the daphnes, the PostgreSQL
    backends on the benchmark database and Redis (``cpu`` in cores over ``seconds``, as
    ``CpuMeter.stop`` gives it), in total and each."""
    if not messages or not seconds:
        return {}
    parts = {"daphne": cpu.get("daphne", 0.0), "postgres": cpu.get("postgres_bench", 0.0),
             "redis": cpu.get("redis", 0.0)}  # fmt: skip
    per = {name: cores * seconds * 1000 / messages for name, cores in parts.items()}
    return {"total": round(sum(per.values()), 2), **{k: round(v, 2) for k, v in per.items()}}


async def _lag_probe(lags: list[float], stop: asyncio.Event) -> None:
    """How late the load generator's own event loop runs (it shares the CPU)."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.05)
        lags.append(time.perf_counter() - start - 0.05)


async def run_load(args: argparse.Namespace, fixture: dict[str, Any]) -> dict[str, Any]:
    servers = args.url or [s["url"] for s in load_servers()]
    if not servers:
        raise SystemExit("no servers: start them with bench.servers or pass --url")
    daphne_pids = [s["pid"] for s in load_servers() if s["url"] in servers]
    users, conversations = fixture["users"], fixture["conversations"]
    members_of = [set(c["members"]) for c in conversations]
    pools = [HttpPool(url, size=args.http_connections) for url in servers]
    ws_urls = [url.replace("http://", "ws://") + "/ws/" for url in servers]
    # User i is in conversation i mod M: spreading by (i + i // M) puts the members of every
    # conversation on all servers, so deliveries cross nodes.
    node = spread(len(users), len(conversations), len(servers))
    members = [Member(i, u["token"], ws_urls[node[i]]) for i, u in enumerate(users)]

    busy_before = wait_until_quiet(args.quiet_wait) if args.quiet_wait else None

    # 1. Connect every socket, a few at a time.
    connect_seconds, connect_times = await open_all(members, args.connect_concurrency)
    print(f"{len(members)} sockets ready in {connect_seconds:.1f} s", flush=True)

    warmup = int(args.rate * args.warmup)
    total = warmup + int(args.rate * args.duration)
    run = Run(prefix=f"b{secrets.token_hex(3)}:", total=total, warmup=warmup)
    listeners = [asyncio.create_task(m.listen(run, members_of)) for m in members]
    rng = random.Random(args.seed)
    lags: list[float] = []
    stop_probe = asyncio.Event()
    probe = asyncio.create_task(_lag_probe(lags, stop_probe))
    meter = CpuMeter(daphne_pids, database=DATABASE)

    # 2. Send on schedule (open loop).
    sends: set[asyncio.Task[None]] = set()
    t0 = time.perf_counter() + 0.2
    sent = 0
    aborted = ""
    for k in range(total):
        if k == warmup:
            meter.start()
        due = t0 + k / args.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if run.in_flight > args.max_in_flight:
            aborted = f"over {args.max_in_flight} requests outstanding after {k} sends"
            break
        c = k % len(conversations)
        sender = rng.choice(conversations[c]["members"])
        run.due[k], run.sender[k], run.conversation[k] = due, sender, c
        if args.send == "ws":
            task = asyncio.create_task(
                _send_ws(run, k, members[sender], conversations[c], args.deliver_timeout + 30)
            )
        else:
            task = asyncio.create_task(
                _send(run, k, due, pools[node[sender]], conversations[c], sender,
                      users[sender]["token"])
            )  # fmt: skip
        sends.add(task)
        task.add_done_callback(sends.discard)
        sent = k + 1
    schedule_end = time.perf_counter()
    if sends:
        await asyncio.wait(sends, timeout=args.deliver_timeout + 30)

    # 3. Wait for the deliveries still on their way.
    def expected_of(k: int) -> int:
        return len(members_of[run.conversation[k]]) - 1 if run.status[k] in (200, 201) else 0

    expected = sum(expected_of(k) for k in range(sent))
    deadline = schedule_end + args.deliver_timeout
    while time.perf_counter() < deadline:
        if sum(len(run.arrivals[k]) for k in range(sent)) >= expected:
            break
        await asyncio.sleep(0.1)
    cpu = meter.stop() if sent > warmup else {}
    run.stopping = True
    stop_probe.set()
    await probe
    await asyncio.gather(*(m.conn.close() for m in members if m.conn), return_exceptions=True)
    for task in listeners:
        task.cancel()
    for pool in pools:
        pool.close()

    # 4. Count.
    latencies, post_times = [], []
    lost = late = cross = 0
    for k in range(sent):
        n = expected_of(k)
        if not n:
            continue
        on_time = [t - run.due[k] for t in run.arrivals[k].values()
                   if t - run.due[k] <= args.deliver_timeout]  # fmt: skip
        late += len(run.arrivals[k]) - len(on_time)
        cross += sum(1 for m in run.arrivals[k] if node[m] != node[run.sender[k]])
        lost += n - len(on_time)
        if k >= warmup:
            latencies.extend(on_time)
            post_times.append(run.answered[k] - run.due[k])
    measured = [k for k in range(warmup, sent) if run.status[k] in (200, 201)]
    window = (max(run.answered[k] for k in measured) - run.due[warmup]) if measured else 0
    result = {
        "config": {
            "users": len(users),
            "conversations": len(conversations),
            "members_per_conversation": round(len(users) / len(conversations), 1),
            "send": args.send,
            "rate": args.rate,
            "duration": args.duration,
            "warmup": args.warmup,
            "servers": servers,
            "layer": sorted({s["layer"] for s in load_servers()}),
            "db_pool": sorted({s["pool"] for s in load_servers()}),
            "deliver_timeout": args.deliver_timeout,
        },
        "machine": {**machine(), "busy_cores_before": busy_before},
        "connect": {
            "sockets": len(members),
            "seconds": round(connect_seconds, 2),
            "handshake_ms": summary_ms(connect_times),
        },
        "aborted": aborted,
        "sent": sent - warmup if sent > warmup else 0,
        "posted_ok": len(measured),
        "achieved_msgs_per_s": round(len(measured) / window, 1) if window else 0,
        "deliveries_expected": expected,
        "deliveries_per_s": round(len(latencies) / window, 1) if window else 0,
        "latency_ms": summary_ms(latencies),
        "post_ms": summary_ms(post_times),
        "lost": lost,
        "late": late,
        "cross_node_deliveries": cross,
        "duplicates": run.duplicates,
        "unexpected": run.unexpected,
        "errors": dict(run.errors),
        "loadgen_loop_lag_ms": summary_ms(lags),
        "cpu_cores": cpu,
        "cpu_ms_per_message": cpu_per_message(cpu, meter.elapsed, len(measured)),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument(
        "--send", choices=["rest", "ws"], default="rest",
        help="POST each message, or send it as a message.send frame on the sender's socket",
    )  # fmt: skip
    parser.add_argument("--rate", type=float, default=200, help="messages a second, in total")
    parser.add_argument("--duration", type=float, default=60, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=5, help="seconds sent first, not measured")
    parser.add_argument("--url", action="append", help="server base URL (repeat for several)")
    parser.add_argument("--deliver-timeout", type=float, default=10)
    parser.add_argument("--max-in-flight", type=int, default=1000)
    parser.add_argument("--http-connections", type=int, default=64, help="per server")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="wait up to this long for an idle machine first (0: don't)",
    )
    parser.add_argument("--label", default="", help="a name for the saved result")
    args = parser.parse_args()
    if args.duration * args.rate > 100_000 or args.duration > 300:
        parser.error("keep a run bounded: at most 300 s and 100,000 messages")
    fixture = realtime_fixture(args.users, args.conversations)  # sync Django, before the loop
    result = asyncio.run(run_load(args, fixture))
    result["label"] = args.label
    path = save("loadgen", result)
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=1))
    cpu = result["cpu_ms_per_message"]
    if cpu:
        print(f"server CPU per message: {cpu['total']} ms (daphne {cpu['daphne']}, "
              f"PostgreSQL {cpu['postgres']}, Redis {cpu['redis']})")  # fmt: skip
    print(f"saved {path}")


if __name__ == "__main__":
    main()
