"""Errors of folders, documents, versions and shares."""

from django.utils.translation import gettext_lazy as _

from portal.errors import NotFound, PermissionDenied, PortalError


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


# --- co-editing (docs/collab.md) -----------------------------------------------------------


class NotRichText(PortalError):
    """Only rich-text documents are edited together; a file document is uploaded."""

    code = "document_not_rich_text"
    status = 409
    default_message = _("This document is a file: it is not edited together.")


class EditTicketInvalid(PortalError):
    """An edit ticket that is malformed, tampered with, expired, used before, or made for
    another document: refused alike."""

    code = "edit_ticket_invalid"
    status = 401
    default_message = _("The edit ticket is invalid or expired: ask for a new one.")


class SnapshotNotFound(NotFound):
    code = "snapshot_not_found"
    default_message = _("Named version not found.")


class ExportFailed(PortalError):
    code = "export_failed"
    status = 422
    default_message = _("The document could not be exported.")
