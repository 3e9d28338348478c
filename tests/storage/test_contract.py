"""One contract, both backends: every test runs against the filesystem backend (embedded
mode) and against S3 (moto's server, standing in for MinIO)."""

from __future__ import annotations

import hashlib
import http.client
import io
import random
import tracemalloc
import uuid
from urllib.parse import urlsplit

import pytest

from portal.storage.base import CHUNK_SIZE, MIN_PART_SIZE, Part, Storage
from portal.storage.exceptions import (
    InvalidObjectKey,
    InvalidPart,
    ObjectLengthMismatch,
    ObjectNotFound,
    RangeNotSatisfiable,
    StorageUnavailable,
    UploadNotFound,
)
from portal.storage.filesystem import FilesystemStorage
from portal.storage.s3 import S3Storage

MiB = 1024 * 1024


class GeneratedStream:
    """``size`` pseudo-random bytes made as they are read: the test holds none of them."""

    def __init__(self, size: int, seed: int = 1) -> None:
        self.remaining = size
        self._random = random.Random(seed)
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self._random.randbytes(size)
        self.remaining -= size
        self.sha256.update(data)
        return data


@pytest.fixture(params=["filesystem", "s3"])
def storage(request, tmp_path, s3_server) -> Storage:
    if request.param == "filesystem":
        return FilesystemStorage(tmp_path / "objects")
    return S3Storage(
        endpoint=s3_server["S3_ENDPOINT"],
        access_key=s3_server["S3_ACCESS_KEY"],
        secret_key=s3_server["S3_SECRET_KEY"],
        bucket=f"contract-{uuid.uuid4().hex[:16]}",
        # The smallest part S3 allows, so a test-sized stream is sent in several parts.
        part_size=MIN_PART_SIZE,
    )


def put_bytes(storage: Storage, key: str, data: bytes, content_type: str = "text/plain"):
    return storage.put(key, io.BytesIO(data), length=len(data), content_type=content_type)


def test_a_large_stream_goes_in_and_out_in_chunks_with_bounded_memory(storage):
    size = 24 * MiB + 12345
    stream = GeneratedStream(size)
    tracemalloc.start()
    try:
        info = storage.put("docs/big.bin", stream)  # length unknown
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == size
    assert info.version_id and info.etag
    # A chunk (filesystem) or a few copies of one part (the S3 SDK's buffers) in memory at
    # a time, never the whole object.
    assert peak < (MiB if isinstance(storage, FilesystemStorage) else 4 * MIN_PART_SIZE), peak

    digest = hashlib.sha256()
    chunks = 0
    with storage.get("docs/big.bin") as reader:
        assert (reader.start, reader.end, reader.length) == (0, size - 1, size)
        assert reader.info.size == size
        assert reader.info.etag == info.etag
        for chunk in reader:
            assert 0 < len(chunk) <= CHUNK_SIZE
            digest.update(chunk)
            chunks += 1
    assert digest.hexdigest() == stream.sha256.hexdigest()
    assert chunks >= size // CHUNK_SIZE


def test_stat_reports_size_type_etag_and_version(storage):
    info = put_bytes(storage, "a/b.txt", b"hello", "text/plain")
    stat = storage.stat("a/b.txt")
    assert (stat.key, stat.size, stat.content_type) == ("a/b.txt", 5, "text/plain")
    assert stat.etag == info.etag == hashlib.md5(b"hello").hexdigest()  # noqa: S324
    assert stat.version_id == info.version_id
    assert stat.last_modified.tzinfo is not None


def test_a_given_length_is_read_exactly(storage):
    storage.put("exact", io.BytesIO(b"hello world"), length=5)
    assert storage.get("exact").read() == b"hello"

    with pytest.raises(ObjectLengthMismatch):
        storage.put("short", io.BytesIO(b"hello"), length=20)
    with pytest.raises(ObjectNotFound):
        storage.stat("short")


def test_empty_object(storage):
    info = put_bytes(storage, "empty", b"")
    assert info.size == 0
    with storage.get("empty") as reader:
        assert reader.read() == b""
        assert reader.length == 0
    with pytest.raises(RangeNotSatisfiable):
        storage.get("empty", byte_range=(0, None))


@pytest.mark.parametrize(
    ("byte_range", "expected"),
    [
        ((100, 199), (100, 199)),  # the middle
        ((1000, None), (1000, 1023)),  # open end
        ((5, 5), (5, 5)),  # a single byte
        ((0, 0), (0, 0)),  # the first byte
        ((1023, 1023), (1023, 1023)),  # the last byte
        ((1000, 5000), (1000, 1023)),  # the end is clamped
        ((0, None), (0, 1023)),
    ],
)
def test_ranges(storage, byte_range, expected):
    data = bytes(range(256)) * 4
    put_bytes(storage, "r/data.bin", data)
    with storage.get("r/data.bin", byte_range=byte_range) as reader:
        body = reader.read()
        assert (reader.start, reader.end) == expected
        assert reader.length == len(body)
        assert reader.info.size == len(data)
    assert body == data[expected[0] : expected[1] + 1]


@pytest.mark.parametrize("byte_range", [(1024, None), (5000, 6000), (10, 5), (-1, 3)])
def test_unsatisfiable_ranges(storage, byte_range):
    put_bytes(storage, "r/data.bin", bytes(1024))
    with pytest.raises(RangeNotSatisfiable):
        storage.get("r/data.bin", byte_range=byte_range)


def test_missing_objects(storage):
    with pytest.raises(ObjectNotFound):
        storage.stat("nothing/here")
    with pytest.raises(ObjectNotFound):
        storage.get("nothing/here")
    assert storage.versions("nothing/here") == []
    storage.delete("nothing/here")  # not an error


def test_versions_are_kept_newest_first(storage):
    first = put_bytes(storage, "doc/v.txt", b"one")
    second = put_bytes(storage, "doc/v.txt", b"second")
    assert first.version_id != second.version_id

    versions = storage.versions("doc/v.txt")
    assert [v.version_id for v in versions] == [second.version_id, first.version_id]
    assert [v.size for v in versions] == [6, 3]
    assert [v.is_latest for v in versions] == [True, False]
    assert [v.etag for v in versions] == [second.etag, first.etag]
    assert all(v.last_modified.tzinfo is not None for v in versions)

    assert storage.get("doc/v.txt").read() == b"second"
    assert storage.get("doc/v.txt", version_id=first.version_id).read() == b"one"
    assert storage.stat("doc/v.txt", version_id=first.version_id).size == 3
    assert storage.get("doc/v.txt", version_id=first.version_id, byte_range=(1, 1)).read() == b"n"


def test_a_key_and_keys_below_it_are_separate(storage):
    put_bytes(storage, "tree", b"parent")
    put_bytes(storage, "tree/leaf", b"child")
    put_bytes(storage, "treehouse", b"sibling")
    assert [v.size for v in storage.versions("tree")] == [6]
    storage.delete("tree")
    assert storage.get("tree/leaf").read() == b"child"
    assert storage.get("treehouse").read() == b"sibling"


def test_unknown_versions(storage):
    info = put_bytes(storage, "doc/v.txt", b"one")
    for version_id in ("nope", "../../etc/passwd", "00000000000000000001-deadbeef"):
        with pytest.raises(ObjectNotFound):
            storage.stat("doc/v.txt", version_id=version_id)
        with pytest.raises(ObjectNotFound):
            storage.get("doc/v.txt", version_id=version_id)
        storage.delete("doc/v.txt", version_id=version_id)  # not an error
    assert storage.stat("doc/v.txt").version_id == info.version_id


def test_deleting_one_version_makes_the_previous_latest(storage):
    first = put_bytes(storage, "doc/v.txt", b"one")
    second = put_bytes(storage, "doc/v.txt", b"two")
    storage.delete("doc/v.txt", version_id=second.version_id)
    assert storage.stat("doc/v.txt").version_id == first.version_id
    assert storage.get("doc/v.txt").read() == b"one"
    assert [v.version_id for v in storage.versions("doc/v.txt")] == [first.version_id]


def test_delete_removes_every_version_for_good(storage):
    first = put_bytes(storage, "gone/x", b"one")
    put_bytes(storage, "gone/x", b"two")
    storage.delete("gone/x")
    with pytest.raises(ObjectNotFound):
        storage.stat("gone/x")
    with pytest.raises(ObjectNotFound):
        storage.get("gone/x", version_id=first.version_id)
    assert storage.versions("gone/x") == []
    # The key can be used again.
    put_bytes(storage, "gone/x", b"three")
    assert storage.get("gone/x").read() == b"three"


def test_multipart_upload_of_three_parts(storage):
    parts_data = [bytes([1]) * MIN_PART_SIZE, bytes([2]) * MIN_PART_SIZE, b"tail" * 256]
    upload_id = storage.multipart_start("uploads/big.bin", "application/pdf")
    with pytest.raises(ObjectNotFound):
        storage.stat("uploads/big.bin")  # nothing visible before completion
    # Parts may arrive in any order.
    parts = {
        number: storage.multipart_put_part(
            "uploads/big.bin", upload_id, number, parts_data[number - 1]
        )
        for number in (3, 1, 2)
    }
    assert all(isinstance(part, Part) and part.etag for part in parts.values())
    info = storage.multipart_complete("uploads/big.bin", upload_id, [parts[1], parts[2], parts[3]])

    expected = b"".join(parts_data)
    assert info.size == len(expected)
    assert info.version_id
    stat = storage.stat("uploads/big.bin")
    assert (stat.size, stat.content_type) == (len(expected), "application/pdf")
    digest = hashlib.sha256()
    for chunk in storage.get("uploads/big.bin"):
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(expected).hexdigest()
    with storage.get("uploads/big.bin", byte_range=(MIN_PART_SIZE - 2, MIN_PART_SIZE + 1)) as r:
        assert r.read() == b"\x01\x01\x02\x02"
    # The upload has ended.
    with pytest.raises(UploadNotFound):
        storage.multipart_put_part("uploads/big.bin", upload_id, 4, b"more")


def test_multipart_parts_other_than_the_last_must_be_5_mib(storage):
    upload_id = storage.multipart_start("uploads/small.bin")
    first = storage.multipart_put_part("uploads/small.bin", upload_id, 1, b"a" * 1024)
    second = storage.multipart_put_part("uploads/small.bin", upload_id, 2, b"b" * 1024)
    with pytest.raises(InvalidPart):
        storage.multipart_complete("uploads/small.bin", upload_id, [first, second])
    # A single small part is fine: it is the last.
    info = storage.multipart_complete("uploads/small.bin", upload_id, [first])
    assert info.size == 1024


def test_multipart_refuses_wrong_parts(storage):
    upload_id = storage.multipart_start("uploads/x.bin")
    part = storage.multipart_put_part("uploads/x.bin", upload_id, 1, b"data")
    with pytest.raises(InvalidPart):
        storage.multipart_complete("uploads/x.bin", upload_id, [Part(1, "0" * 32)])
    with pytest.raises(InvalidPart):
        storage.multipart_complete("uploads/x.bin", upload_id, [])
    with pytest.raises(InvalidPart):
        storage.multipart_complete("uploads/x.bin", upload_id, [part, part])
    with pytest.raises(InvalidPart):
        storage.multipart_put_part("uploads/x.bin", upload_id, 0, b"data")
    with pytest.raises(InvalidPart):
        storage.multipart_put_part("uploads/x.bin", upload_id, 10_001, b"data")
    assert storage.multipart_complete("uploads/x.bin", upload_id, [part]).size == 4


def test_multipart_abort(storage):
    upload_id = storage.multipart_start("uploads/aborted.bin")
    storage.multipart_put_part("uploads/aborted.bin", upload_id, 1, b"data")
    storage.multipart_abort("uploads/aborted.bin", upload_id)
    with pytest.raises(UploadNotFound):
        storage.multipart_put_part("uploads/aborted.bin", upload_id, 2, b"more")
    with pytest.raises(UploadNotFound):
        storage.multipart_complete("uploads/aborted.bin", upload_id, [Part(1, "x")])
    with pytest.raises(UploadNotFound):
        storage.multipart_abort("uploads/aborted.bin", upload_id)
    with pytest.raises(ObjectNotFound):
        storage.stat("uploads/aborted.bin")


BAD_KEYS = [
    "",
    "/leading",
    "trailing/",
    "double//slash",
    "../escape",
    "a/../b",
    "a/./b",
    ".hidden",
    "a/.v/x",
    "space in key",
    "кириллица",
    "nul\x00byte",
    "back\\slash",
    "a" * 513,
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused(storage, key):
    calls = [
        lambda: storage.put(key, io.BytesIO(b"x")),
        lambda: storage.get(key),
        lambda: storage.stat(key),
        lambda: storage.delete(key),
        lambda: storage.versions(key),
        lambda: storage.multipart_start(key),
    ]
    for call in calls:
        with pytest.raises(InvalidObjectKey):
            call()


def test_unknown_upload_ids(storage):
    for upload_id in ("nope", "0" * 32):
        with pytest.raises(UploadNotFound):
            storage.multipart_abort("k", upload_id)


def test_check_passes_when_reachable(storage):
    storage.check()


def test_internal_location_for_nginx(storage, tmp_path, s3_server):
    info = put_bytes(storage, "av/1/64.webp", b"image bytes")
    location = storage.internal_location("av/1/64.webp", version_id=info.version_id)
    assert not location.startswith("/")
    if isinstance(storage, FilesystemStorage):
        assert (storage.root / location).read_bytes() == b"image bytes"
    else:
        path, _, query = location.partition("?")
        assert path == f"{storage.bucket}/av/1/64.webp"
        assert "X-Amz-Signature=" in query
        assert f"versionId={info.version_id}" in query
        endpoint = urlsplit(s3_server["S3_ENDPOINT"])
        connection = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=5)
        connection.request("GET", "/" + location)
        assert connection.getresponse().read() == b"image bytes"
        connection.close()


def test_s3_check_fails_when_the_server_is_unreachable():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        # Bound but not listening: connections are refused.
        storage = S3Storage(
            endpoint=f"http://127.0.0.1:{port}", access_key="a", secret_key="b", bucket="nope"
        )
        with pytest.raises(StorageUnavailable):
            storage.check()


def test_filesystem_check_fails_when_root_is_unusable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageUnavailable):
        FilesystemStorage(blocker / "objects").check()
