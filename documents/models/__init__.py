"""The documents app's models (docs/documents.md): folders, documents, their versions and
shares. Co-editing and the approval workflow keep their models in their own modules."""

from documents.models.collab import CollabState, DocumentUpdate, EditSpan, NamedSnapshot
from documents.models.files import Document, DocumentShare, Folder, Role, Version

__all__ = [
    "CollabState",
    "Document",
    "DocumentShare",
    "DocumentUpdate",
    "EditSpan",
    "Folder",
    "NamedSnapshot",
    "Role",
    "Version",
]
