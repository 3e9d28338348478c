"""What a send-to-delivery run counts, whichever server it ran against (Portal or Synapse):
the same rules as bench/loadgen.py, so that numbers from both can stand side by side.

Latency runs from the moment a send was due (open loop) or began (closed loop) to the
moment a member's client parsed the message, for every member but the author. A delivery
missing ``deliver_timeout`` seconds after its send is lost (one that comes later is also
counted as late); a second delivery of one message to one member is a duplicate (counted
by the listeners, in ``Run.duplicates``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.common import summary_ms
from bench.loadgen import Run

OK = (200, 201)


def expected_deliveries(run: Run, k: int, members_of: list[set[int]]) -> int:
    """How many members should hear of message ``k``: everyone in its conversation but the
    author, if the server accepted it; none otherwise."""
    if run.status[k] not in OK:
        return 0
    return len(members_of[run.conversation[k]]) - 1


def tally(
    run: Run, sent: int, measured: list[int], members_of: list[set[int]], deliver_timeout: float
) -> dict[str, Any]:
    """Latencies of the ``measured`` messages, and lost / late counts over all ``sent``
    (a warm-up message that is lost is still lost)."""
    latencies: list[float] = []
    send_times: list[float] = []
    lost = late = 0
    chosen = set(measured)
    for k in range(sent):
        n = expected_deliveries(run, k, members_of)
        if not n:
            continue
        on_time = [
            t - run.due[k] for t in run.arrivals[k].values() if t - run.due[k] <= deliver_timeout
        ]
        late += len(run.arrivals[k]) - len(on_time)
        lost += n - len(on_time)
        if k in chosen:
            latencies.extend(on_time)
            send_times.append(run.answered[k] - run.due[k])
    return {
        "deliveries_expected": sum(expected_deliveries(run, k, members_of) for k in range(sent)),
        "latency_ms": summary_ms(latencies),
        "send_ms": summary_ms(send_times),
        "lost": lost,
        "late": late,
        "duplicates": run.duplicates,
        "unexpected": run.unexpected,
        "errors": dict(run.errors),
    }


async def wait_for_deliveries(
    run: Run, sent: int, members_of: list[set[int]], until: float
) -> None:
    """Until every expected delivery of messages 0..sent-1 came, or ``until``."""
    expected = sum(expected_deliveries(run, k, members_of) for k in range(sent))
    while time.perf_counter() < until:
        if sum(len(run.arrivals[k]) for k in range(sent)) >= expected:
            return
        await asyncio.sleep(0.1)
