"""Uploads and restores stream: memory stays bounded by a storage part, not the file."""

from __future__ import annotations

import hashlib
import tracemalloc

import pytest

from documents.services.files import version_upload
from documents.services.versions import version_restore
from tests.factories.documents import make_document

pytestmark = pytest.mark.django_db(transaction=True)

SIZE = 100 * 1024 * 1024
BLOCK = bytes(range(256)) * 256  # 64 KiB


class Generated:
    """SIZE bytes made on the fly (never all in memory), like a spooled upload."""

    def __init__(self) -> None:
        self.sent = 0

    def seekable(self) -> bool:
        return False

    def read(self, n: int = -1) -> bytes:
        n = SIZE - self.sent if n is None or n < 0 else min(n, SIZE - self.sent)
        out = (BLOCK * (n // len(BLOCK) + 1))[:n] if n > len(BLOCK) else BLOCK[:n]
        self.sent += len(out)
        return out


def expected_sha256() -> str:
    sha = hashlib.sha256()
    for _ in range(SIZE // len(BLOCK)):
        sha.update(BLOCK)
    return sha.hexdigest()


def test_a_100_mb_upload_and_restore_use_a_small_fraction_of_its_size(user):
    document = make_document(user, data=b"small", filename="big.bin")
    first = document.current_version
    assert first is not None
    tracemalloc.start()
    try:
        version = version_upload(
            actor=user, document_id=document.pk, stream=Generated(),  # type: ignore[arg-type]
            filename="big.bin", length=SIZE,
        )  # fmt: skip
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        restored = version_restore(actor=user, document_id=document.pk, version_id=version.pk)
        _, restore_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert version.size == SIZE and version.sha256 == expected_sha256()
    assert restored.sha256 == version.sha256 and restored.number == 3
    # One storage part (5 MiB for this size) and its copies in the SDK: ~15 MB measured.
    assert upload_peak < 32 * 1024 * 1024, upload_peak
    assert restore_peak < 32 * 1024 * 1024, restore_peak
