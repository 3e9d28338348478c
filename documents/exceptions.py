"""Errors of folders, documents, versions and shares."""

from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput, NotFound, PermissionDenied, PortalError


class FolderNotFound(NotFound):
    code = "folder_not_found"
    default_message = _("Folder not found.")


class DocumentNotFound(NotFound):
    code = "document_not_found"
    default_message = _("Document not found.")


class VersionNotFound(NotFound):
    code = "version_not_found"
    default_message = _("Version not found.")


class RoleRequired(PermissionDenied):
    """The actor sees the document but their role does not allow this."""

    code = "document_role_required"
    default_message = _("Your access to this document does not allow this.")


class VersionConflict(PortalError):
    """An upload named the version it started from, and someone has uploaded since."""

    code = "version_conflict"
    status = 412
    default_message = _("Someone has uploaded a newer version since you started.")


# --- Files: folders, uploads, shares, comments (documents/services/{folders,documents,
# versions,uploads,shares,comments}.py) ---


class FolderNameInvalid(InvalidInput):
    code = "folder_name_invalid"
    default_message = _("Give a name with at least one visible character.")


class FolderNotEmpty(PortalError):
    code = "folder_not_empty"
    status = 409
    default_message = _("The folder is not empty.")


class FolderDepthExceeded(InvalidInput):
    code = "folder_depth_exceeded"
    default_message = _("Folders cannot be nested deeper.")


class DocumentKindMismatch(InvalidInput):
    """A file operation on a rich-text document, or the other way round."""

    code = "document_kind_mismatch"
    default_message = _("This cannot be done with a document of this kind.")


class UploadSessionNotFound(NotFound):
    code = "upload_session_not_found"
    default_message = _("Upload not found: it was completed, cancelled or has expired.")


class UploadPartInvalid(InvalidInput):
    code = "upload_part_invalid"
    default_message = _("This part does not fit the upload.")


class UploadIncomplete(InvalidInput):
    code = "upload_incomplete"
    default_message = _("Not every part of the upload has arrived.")


class ShareNotFound(NotFound):
    code = "share_not_found"
    default_message = _("Share not found.")


class InvalidGrantee(InvalidInput):
    """A share to someone outside the agency, or to a conversation the sharer is not in."""

    code = "invalid_grantee"
    default_message = _("The document cannot be shared with them.")


class CommentNotFound(NotFound):
    code = "comment_not_found"
    default_message = _("Comment not found.")


# --- co-editing (docs/collab.md) -----------------------------------------------------------


class EditTicketInvalid(PortalError):
    """An edit ticket that is malformed, tampered with, expired, used before, or made for
    another document: refused alike."""

    code = "edit_ticket_invalid"
    status = 401
    default_message = _("The edit ticket is invalid or expired: ask for a new one.")


class SnapshotNotFound(NotFound):
    code = "snapshot_not_found"
    default_message = _("Named version not found.")
