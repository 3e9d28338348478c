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


# --- Previews and watermarks ---------------------------------------------------------------------


class PdfNotAvailable(NotFound):
    """The version is neither a PDF nor an office file that was converted to one."""

    code = "pdf_not_available"
    default_message = _("This version has no PDF form.")


class PreviewNotReady(PortalError):
    """The office file's conversion to PDF has not finished yet: try again later."""

    code = "preview_not_ready"
    status = 409
    default_message = _("The preview is still being made. Try again in a minute.")


class PdfTooLargeToWatermark(PortalError):
    """The agency watermarks PDFs and this one is over the limit that can be stamped;
    ``details.limit_bytes`` says the limit."""

    code = "pdf_too_large_to_watermark"
    status = 409
    default_message = _("The PDF is too large to be watermarked, so it cannot be downloaded.")


class PdfCannotBeWatermarked(PortalError):
    """The agency watermarks PDFs and this one cannot be stamped (password-protected or
    damaged)."""

    code = "pdf_cannot_be_watermarked"
    status = 409
    default_message = _(
        "The PDF is password-protected or damaged, so it cannot be watermarked or downloaded."
    )
