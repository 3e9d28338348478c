"""The documents app's models (docs/documents.md): folders, documents, their versions and
shares. Co-editing and the approval workflow keep their models in their own modules."""

from documents.models.files import Document, DocumentShare, Folder, Role, Version
from documents.models.previews import DocumentPolicy, Preview

__all__ = ["Document", "DocumentPolicy", "DocumentShare", "Folder", "Preview", "Role", "Version"]
