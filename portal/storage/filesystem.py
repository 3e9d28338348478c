"""Object storage in a directory, for embedded mode (docs/storage.md)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from portal.storage.base import (
    CHUNK_SIZE,
    MIN_PART_SIZE,
    ByteRange,
    ObjectInfo,
    ObjectReader,
    Part,
    Storage,
    check_part_number,
    check_parts,
    resolve_range,
    validate_key,
)
from portal.storage.exceptions import (
    InvalidPart,
    ObjectLengthMismatch,
    ObjectNotFound,
    StorageUnavailable,
    UploadNotFound,
)

# Nanoseconds since the epoch, then random: ids sort in the order versions were written.
_VERSION_ID = re.compile(r"\d{20}-[0-9a-f]{8}")
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_VERSIONS_DIR = ".v"
_UPLOADS_DIR = ".uploads"


def _read_chunks(stream: IO[bytes], length: int | None) -> Iterator[bytes]:
    remaining = length
    while remaining is None or remaining > 0:
        chunk = stream.read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
        if not chunk:
            break
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk
    if remaining:
        raise ObjectLengthMismatch(expected=length)


def _md5() -> Any:
    # An ETag, as S3 computes it; not a security measure.
    return hashlib.md5(usedforsecurity=False)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(directory: Path, chunks: Iterable[bytes]) -> tuple[Path, int, str]:
    """Write ``chunks`` to a synced temporary file in ``directory`` (for renaming into place
    on the same filesystem); return its path, size and MD5. On error nothing is left."""
    digest = _md5()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp), size, digest.hexdigest()


def _write_atomic(path: Path, data: bytes) -> str:
    """Replace ``path`` with ``data`` in one rename; return the MD5."""
    tmp, _, etag = _write_temp(path.parent, [data])
    os.replace(tmp, path)
    return etag


class FilesystemStorage(Storage):
    """Objects as files under ``root``: version ``V`` of key ``K`` is ``K/.v/V.data``, with
    ``K/.v/V.json`` holding its size, ETag, type and time. A version exists once its .json
    does; both are written to temporary files and renamed into place, the .json last, so a
    crash leaves either the whole version or none. Multipart uploads collect their parts
    under ``.uploads/<upload id>/``. Segments of keys never start with "." (see
    ``validate_key``), so neither directory can clash with a key.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # --- layout -----------------------------------------------------------------------------

    def _versions_dir(self, key: str) -> Path:
        return self.root / validate_key(key) / _VERSIONS_DIR

    def _version_ids(self, directory: Path) -> list[str]:
        """Ids of the complete versions in ``directory``, newest first."""
        try:
            names = [entry.name for entry in os.scandir(directory)]
        except FileNotFoundError:
            return []
        ids = [name[:-5] for name in names if name.endswith(".json")]
        return sorted((vid for vid in ids if _VERSION_ID.fullmatch(vid)), reverse=True)

    def _new_version_id(self, directory: Path) -> str:
        now = time.time_ns()
        existing = self._version_ids(directory)
        if existing:
            # Later than the latest even if the wall clock stepped back.
            now = max(now, int(existing[0][:20]) + 1)
        return f"{now:020d}-{secrets.token_hex(4)}"

    def _info(
        self, directory: Path, key: str, version_id: str, *, is_latest: bool | None = None
    ) -> ObjectInfo:
        try:
            meta = json.loads((directory / f"{version_id}.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ObjectNotFound() from None
        return ObjectInfo(
            key=key,
            size=meta["size"],
            etag=meta["etag"],
            last_modified=dt.datetime.fromisoformat(meta["last_modified"]),
            version_id=version_id,
            content_type=meta["content_type"],
            is_latest=is_latest,
        )

    def _resolve(self, key: str, version_id: str | None) -> tuple[Path, str]:
        """The directory and id of an existing version (the latest if not given)."""
        directory = self._versions_dir(key)
        if version_id is None:
            ids = self._version_ids(directory)
            if not ids:
                raise ObjectNotFound()
            return directory, ids[0]
        if not _VERSION_ID.fullmatch(version_id):
            raise ObjectNotFound()
        return directory, version_id

    def _store(self, key: str, content_type: str, chunks: Iterable[bytes]) -> ObjectInfo:
        directory = self._versions_dir(key)
        directory.mkdir(parents=True, exist_ok=True)
        tmp, size, etag = _write_temp(directory, chunks)
        # The id is taken once the bytes are in, so the last upload to finish is the latest.
        version_id = self._new_version_id(directory)
        data_path = directory / f"{version_id}.data"
        info = ObjectInfo(
            key=key, size=size, etag=etag, last_modified=timezone.now(),
            version_id=version_id, content_type=content_type,
        )  # fmt: skip
        meta = {
            "key": key, "size": size, "etag": etag, "content_type": content_type,
            "last_modified": info.last_modified.isoformat(),
        }  # fmt: skip
        try:
            os.replace(tmp, data_path)
            _write_atomic(directory / f"{version_id}.json", json.dumps(meta).encode())
            _fsync_dir(directory)
        except BaseException:
            tmp.unlink(missing_ok=True)
            data_path.unlink(missing_ok=True)
            raise
        return info

    def _prune(self, key: str) -> None:
        """Remove the key's now empty directories, up to the root."""
        path = self.root / key
        while path != self.root:
            try:
                path.rmdir()
            except OSError:
                return  # other keys live below it
            path = path.parent

    # --- objects ----------------------------------------------------------------------------

    def put(
        self,
        key: str,
        stream: IO[bytes],
        *,
        length: int | None = None,
        content_type: str = "application/octet-stream",
    ) -> ObjectInfo:
        return self._store(key, content_type, _read_chunks(stream, length))

    def get(
        self,
        key: str,
        *,
        version_id: str | None = None,
        byte_range: ByteRange | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> ObjectReader:
        directory, vid = self._resolve(key, version_id)
        info = self._info(directory, key, vid)
        selected = resolve_range(byte_range, info.size)
        start, end = selected if selected else (0, info.size - 1)
        try:
            handle = open(directory / f"{vid}.data", "rb")  # noqa: SIM115 (the reader closes it)
        except FileNotFoundError:
            raise ObjectNotFound() from None
        handle.seek(start)

        def chunks() -> Iterator[bytes]:
            remaining = end - start + 1
            while remaining > 0:
                chunk = handle.read(min(chunk_size, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk

        return ObjectReader(info, chunks(), handle.close, start=start, end=end)

    def stat(self, key: str, *, version_id: str | None = None) -> ObjectInfo:
        directory, vid = self._resolve(key, version_id)
        return self._info(directory, key, vid)

    def delete(self, key: str, *, version_id: str | None = None) -> None:
        directory = self._versions_dir(key)
        if version_id is None:
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(directory)
        else:
            if not _VERSION_ID.fullmatch(version_id):
                return
            (directory / f"{version_id}.json").unlink(missing_ok=True)
            (directory / f"{version_id}.data").unlink(missing_ok=True)
            if self._version_ids(directory):
                return
            shutil.rmtree(directory, ignore_errors=True)
        self._prune(key)

    def versions(self, key: str) -> list[ObjectInfo]:
        directory = self._versions_dir(key)
        result = []
        for index, vid in enumerate(self._version_ids(directory)):
            try:
                info = self._info(directory, key, vid, is_latest=index == 0)
            except ObjectNotFound:
                continue  # deleted while listing
            # As on S3, listings do not carry the type.
            result.append(dataclasses.replace(info, content_type=None))
        return result

    # --- multipart uploads ------------------------------------------------------------------

    def _upload(self, key: str, upload_id: str) -> tuple[Path, dict[str, str]]:
        validate_key(key)
        if not _UPLOAD_ID.fullmatch(upload_id):
            raise UploadNotFound()
        directory = self.root / _UPLOADS_DIR / upload_id
        try:
            meta = json.loads((directory / "upload.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UploadNotFound() from None
        if meta["key"] != key:
            raise UploadNotFound()
        return directory, meta

    def multipart_start(self, key: str, content_type: str = "application/octet-stream") -> str:
        validate_key(key)
        upload_id = secrets.token_hex(16)
        directory = self.root / _UPLOADS_DIR / upload_id
        directory.mkdir(parents=True)
        meta = {"key": key, "content_type": content_type}
        _write_atomic(directory / "upload.json", json.dumps(meta).encode())
        return upload_id

    def multipart_put_part(self, key: str, upload_id: str, part_number: int, data: bytes) -> Part:
        check_part_number(part_number)
        directory, _ = self._upload(key, upload_id)
        etag = _write_atomic(directory / f"{part_number:05d}.part", data)
        return Part(part_number=part_number, etag=etag)

    def multipart_complete(self, key: str, upload_id: str, parts: list[Part]) -> ObjectInfo:
        directory, meta = self._upload(key, upload_id)
        check_parts(parts)
        paths = [directory / f"{part.part_number:05d}.part" for part in parts]
        for index, path in enumerate(paths):
            if not path.exists():
                raise InvalidPart(part_number=parts[index].part_number, reason="missing")
            if index < len(paths) - 1 and path.stat().st_size < MIN_PART_SIZE:
                raise InvalidPart(part_number=parts[index].part_number, reason="too small")

        def joined() -> Iterator[bytes]:
            for part, path in zip(parts, paths, strict=True):
                digest = _md5()
                with open(path, "rb") as handle:
                    while chunk := handle.read(CHUNK_SIZE):
                        digest.update(chunk)
                        yield chunk
                if digest.hexdigest() != part.etag.strip('"'):
                    raise InvalidPart(part_number=part.part_number, reason="etag differs")

        info = self._store(key, meta["content_type"], joined())
        shutil.rmtree(directory, ignore_errors=True)
        return info

    def multipart_abort(self, key: str, upload_id: str) -> None:
        directory, _ = self._upload(key, upload_id)
        shutil.rmtree(directory, ignore_errors=True)

    # --- operations -------------------------------------------------------------------------

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=self.root, prefix=".tmp-check-")
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise StorageUnavailable(reason=exc.__class__.__name__) from exc

    def internal_location(self, key: str, *, version_id: str | None) -> str:
        _, vid = self._resolve(key, version_id)
        return f"{key}/{_VERSIONS_DIR}/{vid}.data"
