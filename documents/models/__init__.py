"""The documents app's models (docs/documents.md): folders, documents, their versions and
shares. Co-editing and the approval workflow keep their models in their own modules."""

from documents.models.approval import (
    ApprovalApprover,
    ApprovalDecision,
    ApprovalDelegation,
    ApprovalRoute,
    ApprovalStage,
    ApprovalTemplate,
    RegistrationJournal,
)
from documents.models.collab import CollabState, DocumentUpdate, EditSpan, NamedSnapshot
from documents.models.comments import Comment
from documents.models.files import Document, DocumentShare, Folder, Role, Version
from documents.models.previews import DocumentPolicy, Preview
from documents.models.uploads import PendingObject, UploadSession

__all__ = [
    "ApprovalApprover",
    "ApprovalDecision",
    "ApprovalDelegation",
    "ApprovalRoute",
    "ApprovalStage",
    "ApprovalTemplate",
    "CollabState",
    "Comment",
    "Document",
    "DocumentPolicy",
    "DocumentShare",
    "DocumentUpdate",
    "EditSpan",
    "Folder",
    "NamedSnapshot",
    "PendingObject",
    "Preview",
    "RegistrationJournal",
    "Role",
    "UploadSession",
    "Version",
]
