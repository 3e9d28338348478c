"""Set up, start and stop the benchmark's Synapse; the open-loop load (see __init__.py)."""

from __future__ import annotations

import argparse
import asyncio
import json

from bench.common import save
from bench.synapse import homeserver
from bench.synapse.client import open_loop


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.synapse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    s = commands.add_parser("setup", help="virtualenv, database, homeserver.yaml, fixture")
    s.add_argument("--reset", action="store_true", help="drop the database and fixtures first")
    s.add_argument("--users", type=int, default=1000)
    s.add_argument("--rooms", type=int, default=100)
    commands.add_parser("start", help="start the homeserver")
    commands.add_parser("stop", help="stop the homeserver")
    commands.add_parser("status", help="the running homeserver, if any")
    load = commands.add_parser("load", help="open-loop send-to-delivery run (as bench.loadgen)")
    load.add_argument("--users", type=int, default=1000)
    load.add_argument("--rooms", type=int, default=100)
    load.add_argument("--rate", type=float, default=10, help="messages a second, in total")
    load.add_argument("--duration", type=float, default=30, help="seconds measured")
    load.add_argument("--warmup", type=float, default=5, help="seconds sent first, not measured")
    load.add_argument("--deliver-timeout", type=float, default=10)
    load.add_argument("--max-in-flight", type=int, default=1000)
    load.add_argument("--http-connections", type=int, default=64)
    load.add_argument("--seed", type=int, default=1)
    load.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="wait up to this long for an idle machine first (0: don't)",
    )
    load.add_argument("--label", default="")
    args = parser.parse_args()
    if args.command == "setup":
        path = homeserver.setup(users=args.users, rooms=args.rooms, reset=args.reset)
        print(f"fixture {path}")
    elif args.command == "start":
        record = homeserver.start()
        print(f"{record['url']} pid {record['pid']} (Synapse {record['version']})")
    elif args.command == "stop":
        homeserver.stop()
    elif args.command == "status":
        print(json.dumps(homeserver.running(), indent=1))
    else:
        if args.duration * args.rate > 100_000 or args.duration > 300:
            parser.error("keep a run bounded: at most 300 s and 100,000 messages")
        fixture = homeserver.load_fixture(args.users, args.rooms)
        result = asyncio.run(open_loop(args, fixture))
        result["label"] = args.label
        path = save("synapse-loadgen", result)
        print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=1))
        print(f"saved {path}")


if __name__ == "__main__":
    main()
