"""Object storage: one interface (``base.Storage``), an S3 and a filesystem backend, and
signed download links (``links``). docs/storage.md describes all of it."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.storage.base import Storage

_storage: Storage | None = None
_lock = threading.Lock()


def _build(config: dict[str, str]) -> Storage:
    from django.core.exceptions import ImproperlyConfigured

    backend = config.get("BACKEND")
    if backend == "s3":
        from portal.storage.s3 import S3Storage

        return S3Storage(
            endpoint=config["ENDPOINT"],
            access_key=config["ACCESS_KEY"],
            secret_key=config["SECRET_KEY"],
            bucket=config["BUCKET"],
            region=config.get("REGION") or "us-east-1",
        )
    if backend == "filesystem":
        from portal.storage.filesystem import FilesystemStorage

        return FilesystemStorage(config["ROOT"])
    raise ImproperlyConfigured(f"STORAGE BACKEND must be s3 or filesystem, got {backend!r}")


def get_storage() -> Storage:
    """The backend ``settings.STORAGE`` configures, built once per process and shared."""
    global _storage
    storage = _storage
    if storage is None:
        from django.conf import settings

        with _lock:
            if _storage is None:
                _storage = _build(settings.STORAGE)
            storage = _storage
    return storage


def reset_storage() -> None:
    """Forget the shared backend; the next ``get_storage()`` reads ``settings.STORAGE`` again
    (done automatically when a test overrides that setting)."""
    global _storage
    with _lock:
        _storage = None
