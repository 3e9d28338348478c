"""Errors of object storage and of download links."""

from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput, NotFound, PortalError


class ObjectNotFound(NotFound):
    """No such key, or no such version of it."""

    code = "object_not_found"
    default_message = _("The file does not exist.")


class InvalidObjectKey(InvalidInput):
    code = "invalid_object_key"
    default_message = _("Invalid object key.")


class RangeNotSatisfiable(PortalError):
    """The requested byte range lies outside the object (HTTP 416)."""

    code = "range_not_satisfiable"
    status = 416
    default_message = _("The requested range is outside the file.")


class ObjectLengthMismatch(InvalidInput):
    """The stream ended before, or ran past, the length announced for it."""

    code = "object_length_mismatch"
    default_message = _("The file is shorter or longer than announced.")


class FileTooLarge(PortalError):
    """An upload over the limit of its kind; ``details.limit_bytes`` says the limit."""

    code = "file_too_large"
    status = 413
    default_message = _("The file is too large.")


class UploadNotFound(NotFound):
    """No such multipart upload: never started, already completed or aborted."""

    code = "upload_not_found"
    default_message = _("The upload does not exist or has ended.")


class InvalidPart(InvalidInput):
    """A multipart upload cannot be completed with these parts (unknown part, wrong
    ETag, wrong order, or a part other than the last smaller than 5 MiB)."""

    code = "invalid_part"
    default_message = _("The upload's parts are incomplete or invalid.")


class DownloadNotFound(NotFound):
    """A download link that is malformed, tampered with, expired, made for someone else,
    or whose access check now fails. One error for all, so that nothing is revealed."""

    code = "file_not_found"
    default_message = _("The file does not exist or the link has expired.")


class StorageUnavailable(PortalError):
    """The storage server cannot be reached or refused the request."""

    code = "storage_unavailable"
    status = 503
    default_message = _("File storage is temporarily unavailable.")
