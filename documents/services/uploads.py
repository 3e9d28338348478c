"""Resumable uploads: a large file sent in parts, each a request of its own, through an
S3 multipart upload (docs/documents.md, "Resumable uploads").

1. ``upload_start`` checks everything that can be checked before a byte arrives (the
   folder or document and the caller's role, the declared size against
   DOCUMENT_MAX_BYTES, the name, the base version) and starts the multipart upload under
   the key the version will have.
2. ``upload_part_put`` stores part ``n`` (exactly ``part_size`` bytes, the last part the
   rest). Part 1 is where the type is told from the bytes: a program is refused there.
   Sending a part again replaces it; the session lists the parts that arrived, so a
   client whose connection broke asks ``GET uploads/<id>`` and sends the missing ones.
3. ``upload_complete`` joins the parts and records the version (new document or new
   version) through the same steps as ``version_add``.

SHA-256: the parts are hashed as they arrive when they arrive in order in one process
(the usual case: one client sending 1, 2, 3…). The running hash lives in that process's
memory only (a SHA-256 state cannot be saved to the database); when a part came out of
order, was sent again after a later one, or reached another server process, the hash is
computed at completion instead by streaming the joined object back from storage (one more
read of the file, same bounded memory).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import logging
import threading
import uuid
from collections import OrderedDict
from typing import IO, Any

from django.conf import settings
from django.db import transaction

from documents.events.files import document_event
from documents.exceptions import (
    DocumentKindMismatch,
    RoleRequired,
    UploadIncomplete,
    UploadPartInvalid,
    UploadSessionNotFound,
)
from documents.models import Document, Role, UploadSession, Version
from documents.selectors import access_document, access_folder, has_role
from documents.services.folders import folder_keep
from documents.services.orphans import object_writing
from documents.services.versions import (
    check_base_version,
    check_declared_size,
    check_file_name,
    delete_object,
    document_filename,
    version_key,
    version_record,
)
from documents.signals import version_adding
from portal import clock
from portal.accounts.models import User
from portal.audit.services import record
from portal.ids import as_uuid
from portal.realtime import publish
from portal.storage import get_storage
from portal.storage.base import MAX_PARTS, MIN_PART_SIZE, Part
from portal.storage.content import detect_content_type
from portal.storage.exceptions import UploadNotFound

logger = logging.getLogger(__name__)

UPLOAD_TTL = dt.timedelta(hours=24)
_MIB = 1024 * 1024


def part_size_for(size: int) -> int:
    """DOCUMENT_UPLOAD_PART_BYTES (8 MiB), or more for a file that would need over 10,000
    parts, in whole MiB; never under S3's 5 MiB minimum."""
    wanted = max(int(settings.DOCUMENT_UPLOAD_PART_BYTES), MIN_PART_SIZE)
    needed = -(-size // MAX_PARTS)
    if needed > wanted:
        wanted = -(-needed // _MIB) * _MIB
    return wanted


def max_part_bytes() -> int:
    """The largest part any upload may take (the request body limit of the part URL)."""
    return part_size_for(int(settings.DOCUMENT_MAX_BYTES))


# --- The running hashes of this process --------------------------------------------------------

# session id -> (number of parts hashed, hash of parts 1..n, their ETags); least recently
# used first. The ETags tell at completion whether the parts S3 joins are the ones hashed
# here (a part sent again through another process would not be).
_running: OrderedDict[str, tuple[int, Any, tuple[str, ...]]] = OrderedDict()
_running_lock = threading.Lock()
_MAX_RUNNING = 256


def _hash_after(session_id: str, number: int, data: bytes) -> Any:
    """The running hash extended by part ``number``, or None when it does not follow on
    from what this process hashed (the hash is then made at completion)."""
    with _running_lock:
        state = _running.get(session_id)
        if number == 1:
            base = hashlib.sha256()
        elif state is not None and state[0] == number - 1:
            base = state[1].copy()
        else:
            return None
    base.update(data)
    return base


def _hash_keep(session_id: str, number: int, extended: Any, etag: str) -> None:
    with _running_lock:
        state = _running.get(session_id)
        if extended is not None and (
            (number == 1 and state is None) or (state is not None and state[0] == number - 1)
        ):
            _running[session_id] = (number, extended, (*(state[2] if state else ()), etag))
            _running.move_to_end(session_id)
            while len(_running) > _MAX_RUNNING:
                _running.popitem(last=False)
        elif state is not None and state[0] >= number:
            # A part already hashed was sent again (perhaps with other bytes).
            del _running[session_id]


def _hash_take(session_id: str, etags: list[str]) -> str | None:
    """The running hash, if this process hashed exactly the parts being joined (same
    count, same ETags in order); None otherwise (the caller hashes the stored object)."""
    with _running_lock:
        state = _running.pop(session_id, None)
    if state is None or state[0] != len(etags) or state[2] != tuple(etags):
        return None
    return str(state[1].hexdigest())


def _hash_stored(key: str, storage_version_id: str | None) -> str:
    sha = hashlib.sha256()
    with get_storage().get(key, version_id=storage_version_id) as reader:
        for chunk in reader:
            sha.update(chunk)
    return sha.hexdigest()


# --- Sessions ----------------------------------------------------------------------------------


def upload_payload(session: UploadSession) -> dict[str, Any]:
    return {
        "id": str(session.pk),
        "part_size": session.part_size,
        "parts": sorted(int(n) for n in session.parts),
        "size": session.size,
        "expires_at": session.expires_at.isoformat(),
    }


def access_upload(actor: User, upload_id: Any, *, for_update: bool = False) -> UploadSession:
    """The actor's own running session; "not found" for anyone else's, an ended one and an
    expired one alike."""
    pk = as_uuid(upload_id)
    if pk is None:
        raise UploadSessionNotFound()
    sessions = UploadSession.objects.filter(pk=pk, created_by=actor, expires_at__gt=clock.now())
    if for_update:
        sessions = sessions.select_for_update()
    session = sessions.first()
    if session is None:
        raise UploadSessionNotFound()
    return session


def upload_start(
    *,
    actor: User,
    name: str,
    size: int,
    folder_id: Any = None,
    document_id: Any = None,
    base_version_id: Any = None,
) -> UploadSession:
    """Open a resumable upload of ``size`` bytes: a new document named ``name`` in
    ``folder_id``, or a new version of ``document_id`` (editors, file documents). Refused
    before any byte: ``FileTooLarge`` (413) over DOCUMENT_MAX_BYTES, ``FileTypeNotAllowed``
    for an executable name, ``VersionConflict`` (412) for a base that is not current."""
    check_declared_size(size)
    filename = document_filename(name)
    check_file_name(filename)
    with transaction.atomic():
        folder = document = None
        if document_id is not None:
            document, _ = access_document(actor, document_id, role=Role.EDITOR)
            if document.kind != Document.Kind.FILE:
                raise DocumentKindMismatch()
            check_base_version(document, base_version_id)
            key_id = document.pk
        else:
            folder, role = access_folder(actor, folder_id)
            if not has_role(role, Role.EDITOR):
                raise RoleRequired()
            key_id = uuid.uuid4()
        version_id = uuid.uuid4()
        key = version_key(key_id, version_id)
        upload_id = get_storage().multipart_start(key)
        now = clock.now()
        try:
            session = UploadSession.objects.create(
                folder=folder, document=document, document_key_id=key_id,
                version_id=version_id, key=key, storage_upload_id=upload_id, name=filename,
                size=size, part_size=part_size_for(size),
                base_version_id=as_uuid(base_version_id) if base_version_id else None,
                created_by=actor, created_at=now, expires_at=now + UPLOAD_TTL,
            )  # fmt: skip
        except BaseException:
            _abort(key, upload_id)
            raise
    return session


def _read_exactly(stream: IO[bytes], length: int) -> bytes:
    """``length`` bytes of ``stream``; ``UploadPartInvalid`` for fewer or more (at most one
    byte more is read). A spooled request body answers in one read, without a copy."""
    chunks: list[bytes] = []
    got = 0
    while got <= length:
        chunk = stream.read(length + 1 - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    if got != length:
        raise UploadPartInvalid(expected_bytes=length)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def upload_part_put(
    *, actor: User, upload_id: Any, number: int, stream: IO[bytes]
) -> dict[str, int]:
    """Store part ``number`` of the actor's upload from ``stream``: it must hold exactly
    the part's length (``UploadPartInvalid`` otherwise, and for a number out of range).
    Part 1 is typed from its bytes (programs: ``FileTypeNotAllowed``, nothing stored).
    Sending a part again replaces it. Memory: one part. Returns ``{"number", "size"}``."""
    session = access_upload(actor, upload_id)
    if not 1 <= number <= session.part_count:
        raise UploadPartInvalid(part_count=session.part_count)
    data = _read_exactly(stream, session.part_length(number))
    content_type = detect_content_type(io.BytesIO(data)) if number == 1 else None
    session_id = str(session.pk)
    extended = _hash_after(session_id, number, data)
    try:
        part = get_storage().multipart_put_part(
            session.key, session.storage_upload_id, number, data
        )
    except UploadNotFound:
        raise UploadSessionNotFound() from None
    with transaction.atomic():
        session = access_upload(actor, upload_id, for_update=True)
        session.parts[str(number)] = {"etag": part.etag, "size": len(data)}
        session.expires_at = clock.now() + UPLOAD_TTL
        if content_type is not None:
            session.content_type = content_type
        session.save(update_fields=["parts", "expires_at", "content_type"])
    _hash_keep(session_id, number, extended, part.etag)
    return {"number": number, "size": len(data)}


def upload_complete(*, actor: User, upload_id: Any) -> Document | Version:
    """Join the parts and record the file: a new document (returned) in the session's
    folder, or a new version (returned) of its document. Every part must have arrived
    (``UploadIncomplete`` naming the missing ones). The checks of a new version run again
    now, the document row locked: the caller's role, ``VersionConflict`` (412) for a base
    that is no longer current, ``version_adding``; if any fails, the joined object is
    deleted and the session ended. Then as ``version_add``: the version, ``version_created``,
    the audit record and the events."""
    storage = get_storage()
    info = result = failure = None
    with transaction.atomic():
        # Locked first (one completion wins), then the parts as they stand under the lock:
        # a part sent again meanwhile has its new ETag recorded before or after, not during.
        session = access_upload(actor, upload_id, for_update=True)
        numbers = range(1, session.part_count + 1)
        missing = [n for n in numbers if str(n) not in session.parts]
        if missing:
            raise UploadIncomplete(missing_parts=missing[:100])
        parts = [Part(n, session.parts[str(n)]["etag"]) for n in numbers]
        object_writing(session.key)  # a rollback after the join leaves it to the sweep
        with contextlib.suppress(UploadNotFound):  # cancelled or expired meanwhile
            info = storage.multipart_complete(session.key, session.storage_upload_id, parts)
        if info is not None:
            try:
                with transaction.atomic():  # a refusal rolls back to here: the session ends
                    etags = [part.etag for part in parts]
                    sha256 = _hash_take(str(session.pk), etags) or _hash_stored(
                        session.key, info.version_id
                    )
                    result = _record(actor, session, info=info, sha256=sha256)
            except Exception as exc:
                delete_object(session.key)
                failure = exc
            except BaseException:
                delete_object(session.key)
                raise
        session.delete()
    if failure is not None:
        raise failure
    if result is None:
        raise UploadSessionNotFound()
    return result


def _record(actor: User, session: UploadSession, *, info: Any, sha256: str) -> Document | Version:
    content_type = session.content_type or "application/octet-stream"
    if session.document_id is not None:
        document, _ = access_document(actor, session.document_id, role=Role.EDITOR, for_update=True)
        check_base_version(document, session.base_version_id)
        version_adding.send(sender=Version, document=document, actor=actor)
        return version_record(
            actor=actor, document=document, version_id=session.version_id, info=info,
            sha256=sha256, content_type=content_type, filename=session.name,
            source=Version.Source.UPLOAD,
        )  # fmt: skip
    folder, role = access_folder(actor, session.folder_id)
    if not has_role(role, Role.EDITOR):
        raise RoleRequired()
    folder_keep(folder)
    now = clock.now()
    document = Document.objects.create(
        id=session.document_key_id, agency_id=folder.agency_id, folder=folder,
        kind=Document.Kind.FILE, name=session.name, created_by=actor, created_at=now,
        updated_at=now,
    )  # fmt: skip
    record("document.created", actor=actor, target=document, target_repr=document.name)
    event, users = document_event("add", document)
    publish(event, user_ids=users)
    version_adding.send(sender=Version, document=document, actor=actor)
    version_record(
        actor=actor, document=document, version_id=session.version_id, info=info,
        sha256=sha256, content_type=content_type, filename=session.name,
        source=Version.Source.UPLOAD,
    )  # fmt: skip
    return document


def _abort(key: str, upload_id: str) -> None:
    try:
        get_storage().multipart_abort(key, upload_id)
    except UploadNotFound:
        pass
    except Exception:
        logger.exception("could not abort the multipart upload of %s", key)


def upload_cancel(*, actor: User, upload_id: Any) -> None:
    """End the actor's upload: its parts are dropped and the session is gone."""
    with transaction.atomic():
        session = access_upload(actor, upload_id, for_update=True)
        key, storage_upload_id, session_id = session.key, session.storage_upload_id, session.pk
        session.delete()
    with _running_lock:
        _running.pop(str(session_id), None)
    _abort(key, storage_upload_id)


def uploads_expire(*, limit: int = 1000) -> int:
    """Abort the uploads whose session expired (no part for UPLOAD_TTL): parts dropped in
    storage, then the row deleted. Returns how many (celery beat runs it hourly)."""
    ended = 0
    stale = UploadSession.objects.filter(expires_at__lte=clock.now())
    for pk in list(stale.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            session = (
                UploadSession.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, expires_at__lte=clock.now())
                .first()
            )
            if session is None:
                continue
            _abort(session.key, session.storage_upload_id)
            session.delete()
            ended += 1
    return ended
