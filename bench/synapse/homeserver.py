"""Install, configure, start and stop the benchmark's Synapse, and make its fixture.

Everything lives in var/bench-synapse/ (``BENCH_SYNAPSE_VAR``): a virtualenv of its own
with matrix-synapse from PyPI (its dependencies, Twisted among them, stay out of Portal's),
the generated homeserver.yaml, the signing key, the log, the process record and the
fixture (users with access tokens, rooms with their members) as JSON. The database is
``synapse_bench`` on the same PostgreSQL as Portal's benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.common import HttpPool, process_alive
from bench.synapse import config

ROOT = Path(__file__).resolve().parent.parent.parent
VAR = Path(os.environ.get("BENCH_SYNAPSE_VAR", ROOT / "var" / "bench-synapse"))
VENV = VAR / "venv"
CONFIG = VAR / "homeserver.yaml"
PROCESS = VAR / "server.json"
# The newest release when this was written that installs on Python 3.11 here.
VERSION = os.environ.get("BENCH_SYNAPSE_VERSION", "1.163.2")
DATABASE = os.environ.get("BENCH_SYNAPSE_DATABASE", "synapse_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_SYNAPSE_PORT", "8448"))
URL = f"http://{HOST}:{PORT}"


def install() -> None:
    """The virtualenv with matrix-synapse (and psycopg2) at ``VERSION``, unless it is there."""
    python = VENV / "bin" / "python"
    probe = [str(python), "-c", "import synapse, psycopg2; print(synapse.__version__)"]
    if python.exists():
        found = subprocess.run(probe, capture_output=True, text=True, check=False)
        if found.returncode == 0 and found.stdout.strip() == VERSION:
            return
    VAR.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(VENV / "bin" / "pip"), "install", "--quiet", f"matrix-synapse[postgres]=={VERSION}"],
        check=True,
    )
    subprocess.run(probe, check=True, stdout=subprocess.DEVNULL)


def _pg_parts() -> tuple[str, int, str]:
    from urllib.parse import urlsplit

    parts = urlsplit(PG)
    return parts.hostname or "127.0.0.1", parts.port or 5432, parts.username or "postgres"


def create_database(*, reset: bool) -> None:
    """``synapse_bench`` with the C collation Synapse insists on (dropped first with
    ``reset``)."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if exists and reset:
            conn.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(
                f"CREATE DATABASE \"{DATABASE}\" ENCODING 'UTF8' LC_COLLATE='C' LC_CTYPE='C' "
                "TEMPLATE template0"
            )


def write_config() -> dict[str, str]:
    """homeserver.yaml and log.config from config.py, the secrets kept across set-ups (the
    access tokens are macaroons signed with one of them); the signing key generated once."""
    VAR.mkdir(parents=True, exist_ok=True)
    secrets_path = VAR / "secrets.json"
    if secrets_path.exists():
        kept: dict[str, str] = json.loads(secrets_path.read_text())
    else:
        kept = {
            name: secrets.token_urlsafe(32)
            for name in (
                "macaroon_secret_key",
                "form_secret",
                "registration_shared_secret",
                "password",
            )
        }
        secrets_path.write_text(json.dumps(kept))
        secrets_path.chmod(0o600)
    pg_host, pg_port, pg_user = _pg_parts()
    generated = config.homeserver_config(
        directory=VAR,
        host=HOST,
        port=PORT,
        database=DATABASE,
        pg_host=pg_host,
        pg_port=pg_port,
        pg_user=pg_user,
        secrets=kept,
    )
    CONFIG.write_text(config.dump(generated))
    (VAR / "log.config").write_text(config.log_config(VAR))
    (VAR / "media_store").mkdir(exist_ok=True)
    if not (VAR / "signing.key").exists():
        subprocess.run(
            [
                str(VENV / "bin" / "python"),
                "-m",
                "synapse.app.homeserver",
                "-c",
                str(CONFIG),
                "--generate-keys",
            ],
            cwd=VAR,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return kept


def healthy() -> bool:
    """Synapse answers /health (no proxy: loopback only)."""
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"{URL}/health", timeout=1
        ) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def running() -> dict[str, Any] | None:
    """The process ``start`` recorded, if it still runs."""
    if not PROCESS.exists():
        return None
    record: dict[str, Any] = json.loads(PROCESS.read_text())
    return record if process_alive(record["pid"]) else None


def start() -> dict[str, Any]:
    """Start the homeserver (one process) and wait until it answers /health."""
    if running():
        raise SystemExit("Synapse is running already (bench.synapse stop first)")
    if not CONFIG.exists():
        raise SystemExit("no homeserver.yaml: run `python -m bench.synapse setup` first")
    log = VAR / "stdout.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DJANGO_"))}
    # Synapse's outbound HTTP honours proxy variables; there is nothing to proxy.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(name, None)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(VENV / "bin" / "python"), "-m", "synapse.app.homeserver", "-c", str(CONFIG)],
            cwd=VAR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    record = {"pid": process.pid, "url": URL, "log": str(log), "version": VERSION}
    PROCESS.write_text(json.dumps(record))
    deadline = time.monotonic() + 120
    while not healthy():
        if time.monotonic() > deadline or process.poll() is not None:
            stop()
            raise SystemExit(f"Synapse did not start; see {log} and {VAR / 'homeserver.log'}")
        time.sleep(0.2)
    return record


def stop() -> None:
    """End the process ``start`` recorded (by its id)."""
    record = running()
    if record:
        os.kill(record["pid"], signal.SIGTERM)
        deadline = time.monotonic() + 20
        while process_alive(record["pid"]) and time.monotonic() < deadline:
            time.sleep(0.1)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(record["pid"], os.WNOHANG)
        if process_alive(record["pid"]):
            os.kill(record["pid"], signal.SIGKILL)
    PROCESS.unlink(missing_ok=True)


# --- the fixture ------------------------------------------------------------------------------


def fixture_path(users: int, rooms: int) -> Path:
    return VAR / f"fixture-{users}-{rooms}.json"


def load_fixture(users: int, rooms: int) -> dict[str, Any]:
    path = fixture_path(users, rooms)
    if not path.exists():
        raise SystemExit(
            f"no Synapse fixture for {users} users in {rooms} rooms: run "
            f"`python -m bench.synapse setup --users {users} --rooms {rooms}`"
        )
    return dict(json.loads(path.read_text()))


async def _register(pool: HttpPool, secret: str, password: str, login: str) -> dict[str, str]:
    """Register ``login`` through the shared-secret admin API (a fresh access token); a
    user registered by an earlier set-up signs in with the password instead."""
    status, answer = await pool.request("GET", "/_synapse/admin/v1/register")
    if status != 200:
        raise RuntimeError(f"registration nonce: {status} {answer}")
    nonce = answer["nonce"]
    mac = config.registration_mac(secret, nonce, login, password, admin=False)
    status, answer = await pool.request(
        "POST",
        "/_synapse/admin/v1/register",
        body={"nonce": nonce, "username": login, "password": password, "admin": False, "mac": mac},
    )
    if status == 400 and answer.get("errcode") == "M_USER_IN_USE":
        status, answer = await pool.request(
            "POST",
            "/_matrix/client/v3/login",
            body={
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": login},
                "password": password,
                "initial_device_display_name": "portal-bench",
            },
        )
    if status != 200:
        raise RuntimeError(f"registering {login}: {status} {answer}")
    return {
        "user_id": answer["user_id"],
        "token": answer["access_token"],
        "device_id": answer["device_id"],
    }


async def _gather_limited(limit: int, coroutines: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(coroutine: Any) -> Any:
        async with gate:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


async def make_fixture(users: int, rooms: int, kept: dict[str, str]) -> dict[str, Any]:
    """``users`` users (``u00000``...) spread round-robin over ``rooms`` private rooms, as
    Portal's fixture does (user i in room i mod rooms): the first member creates the room
    and invites the others, who join."""
    pool = HttpPool(URL, size=16, timeout=120)
    try:
        logins = [f"u{i:05d}" for i in range(users)]
        people = await _gather_limited(
            8,
            [
                _register(pool, kept["registration_shared_secret"], kept["password"], login)
                for login in logins
            ],
        )
        print(f"{len(people)} users registered", flush=True)

        async def make_room(r: int) -> dict[str, Any]:
            members = list(range(r, users, rooms))
            owner = people[members[0]]
            status, answer = await pool.request(
                "POST",
                "/_matrix/client/v3/createRoom",
                token=owner["token"],
                body={
                    "preset": "private_chat",
                    "name": f"Нагрузка {users}x{rooms} №{r}",
                    "invite": [people[m]["user_id"] for m in members[1:]],
                },
            )
            if status != 200:
                raise RuntimeError(f"createRoom: {status} {answer}")
            room_id = answer["room_id"]
            for m in members[1:]:
                status, answer = await pool.request(
                    "POST",
                    f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/join",
                    token=people[m]["token"],
                    body={},
                )
                if status != 200:
                    raise RuntimeError(f"join: {status} {answer}")
            return {"id": room_id, "members": members}

        made = await _gather_limited(8, [make_room(r) for r in range(rooms)])
        print(f"{len(made)} rooms made", flush=True)
    finally:
        pool.close()
    return {"users": people, "rooms": made, "version": VERSION}


def setup(*, users: int, rooms: int, reset: bool) -> Path:
    """Everything from nothing to a fixture; what exists already is kept (with ``reset``,
    the database and every fixture go first, the virtualenv stays)."""
    if reset:
        stop()
        for old in VAR.glob("fixture-*.json"):
            old.unlink()
        if (VAR / "media_store").exists():
            shutil.rmtree(VAR / "media_store")
    install()
    create_database(reset=reset)
    kept = write_config()
    path = fixture_path(users, rooms)
    if path.exists():
        return path
    started = running() is None
    if started:
        start()
    try:
        fixture = asyncio.run(make_fixture(users, rooms, kept))
    finally:
        if started:
            stop()
    path.write_text(json.dumps(fixture))
    return path
