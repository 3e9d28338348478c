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


class FolderMoveInvalid(InvalidInput):
    """A folder moved into itself or one of its own subfolders."""

    code = "folder_move_invalid"
    default_message = _("A folder cannot be moved into itself or one of its subfolders.")


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


# The approval workflow (documents/services/approval/).


class RouteNotFound(NotFound):
    code = "route_not_found"
    default_message = _("This document has no approval route.")


class ApprovalTemplateNotFound(NotFound):
    code = "approval_template_not_found"
    default_message = _("Route template not found.")


class ApprovalDelegationNotFound(NotFound):
    code = "approval_delegation_not_found"
    default_message = _("Delegation not found.")


class InvalidRoute(PortalError):
    """A route or template that cannot run: no stages, unknown approvers, a deadline in the
    past; ``details`` names each problem."""

    code = "approval_route_invalid"
    default_message = _("The approval route is not valid.")


class DepartmentHeadMissing(PortalError):
    """A stage names the head of a department that has none (or the author, who is in no
    department): ``details.missing`` lists each place, nothing was written."""

    code = "approval_department_head_missing"
    default_message = _("A department named as approver has no head.")


class RouteAlreadyRunning(PortalError):
    code = "approval_route_running"
    status = 409
    default_message = _("An approval route is already running for this document.")


class RouteNotRunning(PortalError):
    code = "approval_route_not_running"
    status = 409
    default_message = _("The approval route of this document is not running.")


class DocumentInApproval(PortalError):
    """A new version while a route runs whose owner chose to refuse new versions."""

    code = "document_in_approval"
    status = 409
    default_message = _("The document is being approved: new versions are refused until then.")


class DocumentHasNoVersion(PortalError):
    code = "document_has_no_version"
    status = 409
    default_message = _("The document has no version to approve yet.")


class NotAnApprover(PermissionDenied):
    """The actor sees the document but is no approver (or deputy of one) on its route."""

    code = "approval_not_approver"
    default_message = _("You are not an approver on this route.")


class NotYourTurn(PortalError):
    """The actor approves on another stage than the current one."""

    code = "approval_not_your_turn"
    status = 409
    default_message = _("It is not your stage's turn to decide.")


class AlreadyDecided(PortalError):
    code = "approval_already_decided"
    status = 409
    default_message = _("You have already decided on this version.")


class CommentRequired(PortalError):
    code = "approval_comment_required"
    default_message = _("Say why: a comment is required to reject or return a document.")


class RouteCancelForbidden(PermissionDenied):
    code = "approval_cancel_forbidden"
    default_message = _("Only whoever started the route or an owner of the document may cancel it.")


class ApprovalTemplateOwnerRequired(PermissionDenied):
    code = "approval_template_owner_required"
    default_message = _("Only the creator of a template may change or delete it.")


class InvalidDelegation(PortalError):
    code = "approval_delegation_invalid"
    default_message = _("The delegation is not valid.")


class InvalidJournal(PortalError):
    code = "registration_journal_invalid"
    default_message = _("The registration journal's settings are not valid.")


class DocumentAlreadyRegistered(PortalError):
    code = "document_registered"
    status = 409
    default_message = _("The document is registered: it is not approved again.")


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


class PreviewNotRetryable(PortalError):
    """Only a preview that failed for a passing reason (a timeout, an interrupted task,
    LibreOffice missing or failing) is made again; ``details.reason_code`` says why not."""

    code = "preview_not_retryable"
    status = 409
    default_message = _("Making this preview again would give the same result.")


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
