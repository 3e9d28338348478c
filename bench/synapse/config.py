"""The homeserver.yaml of the benchmark's Synapse, and the shared-secret registration MAC.

Pure functions only (no Synapse, no network), so tests can check them: what the
comparison is fair only if Synapse is as unthrottled as Portal's benchmark servers, and
what makes it safe to run is that it listens on and talks to loopback only.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from pathlib import Path
from typing import Any

# Synapse's own default for a homeserver that is not federated with anything.
SERVER_NAME = "bench.localhost"
# A rate limit nobody reaches: Portal's benchmark servers run with 1,000,000/min.
UNLIMITED = {"per_second": 1_000_000, "burst_count": 1_000_000}
# Every rc_* section Synapse has (1.163); one that takes sub-sections gets the same
# limit in each.
RATE_LIMITS: dict[str, Any] = {
    "rc_message": UNLIMITED,
    "rc_registration": UNLIMITED,
    "rc_registration_token_validity": UNLIMITED,
    "rc_login": {"address": UNLIMITED, "account": UNLIMITED, "failed_attempts": UNLIMITED},
    "rc_admin_redaction": UNLIMITED,
    "rc_joins": {"local": UNLIMITED, "remote": UNLIMITED},
    "rc_joins_per_room": UNLIMITED,
    "rc_3pid_validation": UNLIMITED,
    "rc_invites": {"per_room": UNLIMITED, "per_user": UNLIMITED, "per_issuer": UNLIMITED},
    "rc_third_party_invite": UNLIMITED,
    "rc_media_create": UNLIMITED,
    "rc_federation": {
        "window_size": 1000,
        "sleep_limit": 1_000_000,
        "sleep_delay": 0,
        "reject_limit": 1_000_000,
        "concurrent": 1_000_000,
    },
    "rc_presence": {"per_user": UNLIMITED},
    "rc_delayed_event_mgmt": UNLIMITED,
    "rc_reports": UNLIMITED,
    "rc_room_creation": UNLIMITED,
}


def require_loopback(host: str) -> str:
    """``host`` itself if it is a loopback address; ValueError otherwise (a name such as
    ``localhost`` is refused too: what it resolves to is not ours to check)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"{host!r} is not an IP address; the benchmark binds loopback only"
        ) from None
    if not address.is_loopback:
        raise ValueError(f"{host} is not a loopback address; the benchmark binds loopback only")
    return host


def homeserver_config(
    *,
    directory: Path,
    host: str,
    port: int,
    database: str,
    pg_host: str,
    pg_port: int,
    pg_user: str,
    secrets: dict[str, str],
) -> dict[str, Any]:
    """The configuration of a single-process Synapse for the benchmark.

    One client listener on ``host`` (which must be loopback) and no federation listener;
    no registration but through the shared secret; presence, URL previews, stats
    reporting, key servers, the user directory and metrics off; every
    rate limit out of reach; PostgreSQL ``database`` on ``pg_host`` (loopback as well).
    Synapse makes no outbound request in this set-up: it has no remote server to talk to
    (no federation, no key server, no identity server, no push gateway: no pusher is ever
    registered) and outbound requests to anything but loopback are blocked besides.
    """
    require_loopback(host)
    require_loopback(pg_host)
    config: dict[str, Any] = {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://{host}:{port}/",
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": [host],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {
            "name": "psycopg2",
            "txn_limit": 10000,
            "args": {
                "user": pg_user,
                "host": pg_host,
                "port": pg_port,
                "dbname": database,
                "cp_min": 5,
                "cp_max": 10,
            },
        },
        "log_config": str(directory / "log.config"),
        "media_store_path": str(directory / "media_store"),
        "enable_media_repo": False,
        "signing_key_path": str(directory / "signing.key"),
        "macaroon_secret_key": secrets["macaroon_secret_key"],
        "form_secret": secrets["form_secret"],
        "registration_shared_secret": secrets["registration_shared_secret"],
        "enable_registration": False,
        # Registration hashes a password; 4 rounds keep a thousand of them to seconds.
        "bcrypt_rounds": 4,
        "report_stats": False,
        "enable_metrics": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "allow_public_rooms_over_federation": False,
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        "user_directory": {"enabled": False},
        "limit_profile_requests_to_users_who_share_rooms": True,
        "require_auth_for_profile_requests": True,
        "serve_server_wellknown": False,
        "ip_range_whitelist": [],
        # Only loopback may be reached, and nothing needs to be.
        "ip_range_blacklist": ["0.0.0.0/0", "::/0"],
        **RATE_LIMITS,
    }
    return config


def log_config(directory: Path) -> str:
    """Python logging configuration for Synapse: warnings and worse, to a file."""
    return json.dumps(
        {
            "version": 1,
            "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "plain",
                    "filename": str(directory / "homeserver.log"),
                }
            },
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        },
        indent=1,
    )


def dump(config: dict[str, Any]) -> str:
    """The configuration as YAML. JSON is YAML (1.2, and what PyYAML reads), so the file is
    written without a YAML library in the Portal environment."""
    return "# Generated by bench.synapse setup; regenerated on every setup.\n" + json.dumps(
        config, indent=1
    )


def registration_mac(secret: str, nonce: str, user: str, password: str, *, admin: bool) -> str:
    """The HMAC-SHA1 that Synapse's shared-secret registration API
    (``POST /_synapse/admin/v1/register``) expects for these fields."""
    message = b"\x00".join(
        [nonce.encode(), user.encode(), password.encode(), b"admin" if admin else b"notadmin"]
    )
    return hmac.new(secret.encode(), message, hashlib.sha1).hexdigest()
