"""Message attachments (docs/messaging.md, "Attachments").

An upload is streamed to object storage under ``attachments/<conversation id>/<attachment
id>/original`` with its type detected from its bytes; executables are refused whatever
they are called. Images get a 320 px WebP ``thumbnail`` beside it, made by a Celery task.
The upload stays unbound, visible to its uploader only, until they send a message with it
(``attachments_bind``, called by ``message_send``). Members fetch it through signed,
per-user links whose check runs again on every use, so leaving the conversation or the
message being deleted closes them at once. ``attachments_purge`` deletes unbound uploads
older than a day and the attachments of deleted messages, objects first.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import tempfile
import uuid
from typing import IO, Any

from celery import signature
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from messaging import events, selectors
from messaging.exceptions import (
    AttachmentNotFound,
    InvalidAttachments,
    NotAllowedToPost,
    ThumbnailNotFound,
)
from messaging.models import Attachment, Message
from messaging.permissions import POST_MESSAGE, require_perm
from messaging.services.common import announce
from portal import clock
from portal.accounts.models import User
from portal.db import require_transaction
from portal.ids import as_uuid
from portal.images import DECODERS, open_image, webp
from portal.storage import get_storage
from portal.storage.content import (
    FileTypeNotAllowed,
    clean_filename,
    detect_content_type,
    is_executable_name,
)
from portal.storage.exceptions import FileTooLarge, ObjectNotFound
from portal.storage.links import download_url, register_download_check

logger = logging.getLogger(__name__)

ATTACHMENT_PURPOSE = "attachment"
MAX_ATTACHMENTS_PER_MESSAGE = 10
UNBOUND_TTL = dt.timedelta(days=1)
THUMBNAIL_SIDE = 320
# Detected type → the only Pillow decoder allowed to open it.
THUMBNAIL_FORMATS = DECODERS
# Images are decoded from a spooled copy: in memory up to this size, on disk beyond.
_SPOOL_BYTES = 8 * 1024 * 1024


# --- Keys and access ---------------------------------------------------------------------------


def original_key(attachment: Attachment) -> str:
    return f"attachments/{attachment.conversation_id}/{attachment.pk}/original"


def thumbnail_key(attachment: Attachment) -> str:
    return f"attachments/{attachment.conversation_id}/{attachment.pk}/thumbnail"


def _attachment_readable(user: Any, object_id: str) -> bool:
    try:
        selectors.access_attachment(user, object_id)
    except AttachmentNotFound:
        return False
    return True


register_download_check(ATTACHMENT_PURPOSE, _attachment_readable)


def attachment_download_url(*, actor: User, attachment_id: Any, thumbnail: bool = False) -> str:
    """A signed link (``/api/v1/files/<token>``) to the attachment's bytes, or to its
    thumbnail, for ``actor`` only and for DOWNLOAD_LINK_TTL seconds; each use checks
    again that ``access_attachment`` would still let them read it.
    ``AttachmentNotFound`` / ``ThumbnailNotFound`` otherwise."""
    attachment = selectors.access_attachment(actor, attachment_id)
    if thumbnail:
        if not attachment.has_thumbnail:
            raise ThumbnailNotFound()
        stem = attachment.filename.rpartition(".")[0] or attachment.filename
        key, filename, content_type = thumbnail_key(attachment), f"{stem}.webp", "image/webp"
    else:
        key, filename = original_key(attachment), attachment.filename
        content_type = attachment.content_type
    return download_url(
        user=actor, key=key, filename=filename, content_type=content_type,
        purpose=ATTACHMENT_PURPOSE, object_id=attachment.pk,
    )  # fmt: skip


# --- Writes ------------------------------------------------------------------------------------


def _size_of(upload: IO[bytes]) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        size = upload.seek(0, io.SEEK_END)
    return int(size)


def _delete_objects(attachment: Attachment) -> bool:
    """Delete the attachment's stored objects; whether that worked (failures are logged)."""
    storage = get_storage()
    try:
        storage.delete(original_key(attachment))
        storage.delete(thumbnail_key(attachment))
    except Exception:
        logger.exception("could not delete the objects of attachment %s", attachment.pk)
        return False
    return True


def _schedule_thumbnail(attachment_id: Any) -> None:
    try:
        # Queued by name: tasks call services, never the other way round (messaging/apps.py
        # loads the task module, so embedded mode still runs it here, eagerly). Not
        # retried: with the broker (Redis) down the upload still succeeds, without a
        # thumbnail; clients show the file's icon instead.
        signature("messaging.tasks.make_thumbnail", args=[str(attachment_id)]).apply_async(
            retry=False
        )
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise  # embedded mode runs the task here: its failure is a bug, not an outage
        logger.warning("could not queue the thumbnail of attachment %s", attachment_id)


def attachment_upload(
    *, actor: User, conversation_id: Any, upload: IO[bytes], filename: str
) -> Attachment:
    """Store ``upload`` as an unbound attachment to the conversation.

    The actor must be a member holding ``post_message`` there (``ConversationNotFound`` /
    ``NotAllowedToPost``). The file may be at most MAX_UPLOAD_BYTES (``FileTooLarge``); an
    executable, by its bytes or by its name's extension, is ``FileTypeNotAllowed``. Nothing
    is stored unless all of that passes, and the stored object is deleted again if the row
    cannot be written. The bytes are streamed (memory bounded by the storage backend). For
    images a thumbnail is made by a Celery task after commit.
    """
    conversation, _ = selectors.access_conversation(actor, conversation_id)
    require_perm(actor, conversation, POST_MESSAGE, NotAllowedToPost)
    size, limit = _size_of(upload), settings.MAX_UPLOAD_BYTES
    if size > limit:
        raise FileTooLarge(limit_bytes=limit)
    name = clean_filename(filename)
    if is_executable_name(name):
        raise FileTypeNotAllowed()
    content_type = detect_content_type(upload)
    attachment = Attachment(
        id=uuid.uuid4(), conversation=conversation, uploaded_by=actor, filename=name,
        size=size, content_type=content_type, created_at=clock.now(),
    )  # fmt: skip
    try:
        get_storage().put(original_key(attachment), upload, length=size, content_type=content_type)
        with transaction.atomic():
            attachment.save(force_insert=True)
            if content_type in THUMBNAIL_FORMATS:
                # robust: without a broker the upload still stands, only without thumbnail.
                transaction.on_commit(lambda: _schedule_thumbnail(attachment.pk), robust=True)
    except BaseException:
        _delete_objects(attachment)
        raise
    return attachment


def attachments_bind(*, actor: User, message: Message, attachment_ids: list[Any]) -> None:
    """Bind attachments to ``message``, in the order listed (repeats count once).

    Precondition: inside the transaction that creates ``message``. Each id must be the
    actor's own unbound upload to the message's conversation, else ``InvalidAttachments``
    naming the ids that are not; the rows are locked, so one upload cannot go to two
    messages however the sends race. At most MAX_ATTACHMENTS_PER_MESSAGE.
    """
    require_transaction("attachments_bind")
    parsed = {str(i): as_uuid(i) for i in attachment_ids}
    pks = list(dict.fromkeys(pk for pk in parsed.values() if pk is not None))
    if len(pks) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise InvalidAttachments(max=MAX_ATTACHMENTS_PER_MESSAGE)
    found = {
        a.pk: a
        for a in Attachment.objects.select_for_update().filter(
            pk__in=pks,
            uploaded_by_id=actor.pk,
            conversation_id=message.conversation_id,
            message__isnull=True,
        )
    }
    invalid = [i for i, pk in parsed.items() if pk is None or pk not in found]
    if invalid:
        raise InvalidAttachments(attachment_ids=invalid)
    bound = [found[pk] for pk in pks]
    for position, attachment in enumerate(bound):
        attachment.message, attachment.position = message, position
    Attachment.objects.bulk_update(bound, ["message", "position"])


def _render_thumbnail(stream: IO[bytes], image_format: str) -> bytes:
    """A WebP of the image (its first frame), upright, at most THUMBNAIL_SIDE on its longer
    side, without metadata. Raises on anything Pillow cannot or should not decode."""
    image = open_image(stream, [image_format], draft_side=THUMBNAIL_SIDE)
    return webp(image, THUMBNAIL_SIDE)


def attachment_thumbnail_make(*, attachment_id: Any) -> bool:
    """Make and store the thumbnail of an image attachment (JPEG, PNG, WebP, GIF) and set
    ``has_thumbnail``; returns whether it has one now. Other types, attachments deleted
    meanwhile, and images that are damaged or decode to too many pixels (logged) get none.
    Running it again is harmless."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        return False
    if attachment.has_thumbnail:
        return True
    image_format = THUMBNAIL_FORMATS.get(attachment.content_type)
    if image_format is None:
        return False
    storage = get_storage()
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as copy:
        try:
            with storage.get(original_key(attachment)) as reader:
                for chunk in reader:
                    copy.write(chunk)
        except ObjectNotFound:
            return False
        copy.seek(0)
        try:
            data = _render_thumbnail(copy, image_format)
        except Exception:
            # Pillow's decoders raise many kinds of errors on damaged or hostile files.
            logger.warning("no thumbnail for attachment %s", attachment.pk, exc_info=True)
            return False
    key = thumbnail_key(attachment)
    storage.put(key, io.BytesIO(data), length=len(data), content_type="image/webp")
    with transaction.atomic():
        if not Attachment.objects.filter(pk=attachment.pk).update(has_thumbnail=True):
            storage.delete(key)  # purged while the thumbnail was being made
            return False
        _publish_rendering(attachment.pk)
    return True


def _publish_rendering(attachment_id: Any) -> None:
    """The thumbnail is ready after its message was sent: ``message.update`` with the message
    as it is now tells the members' clients to show it. Like Zulip's rendering-only updates,
    nothing about the message was edited (``edited_at`` and ``edit_count`` stay)."""
    message_id = (
        Attachment.objects.filter(pk=attachment_id).values_list("message_id", flat=True).first()
    )
    if message_id is None:
        return  # not sent yet: the message will carry the thumbnail when it is
    message = (
        selectors.for_payload(Message.objects.filter(pk=message_id))
        .filter(deleted_at__isnull=True)
        .first()
    )
    if message is not None:
        announce(
            message.conversation,
            events.message_event("update", message),
            members=lambda: selectors.member_ids_seeing(message),
        )


def attachments_purge(*, message_id: Any = None, limit: int = 1000) -> int:
    """Delete unbound uploads older than UNBOUND_TTL and the attachments of messages
    deleted for everyone (only those of ``message_id`` when given): the stored objects
    first, then the row, so a failure leaves the row for the next run. An upload being
    bound at the same moment is either bound or purged, never both. Returns how many."""
    stale = Q(message__isnull=True, created_at__lt=clock.now() - UNBOUND_TTL) | Q(
        message__deleted_at__isnull=False
    )
    candidates = Attachment.objects.filter(stale)
    if message_id is not None:
        candidates = candidates.filter(message_id=message_id)
    purged = 0
    for pk in list(candidates.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            attachment = (
                Attachment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(stale, pk=pk)
                .first()
            )
            if attachment is not None and _delete_objects(attachment):
                attachment.delete()
                purged += 1
    return purged
