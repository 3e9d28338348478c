"""What the files part registers when the app is ready (``DocumentsConfig.ready``): its
event schemas with the gateway, the body limit of the upload-part URL, and the download
check of version links (by importing the module that makes them)."""

from __future__ import annotations

from documents.api.events_files import EVENTS

# The URL of a part of a resumable upload (documents/api/urls_files.py).
UPLOAD_PART_PATH = r"/api/v1/uploads/[0-9a-fA-F-]{36}/parts/[0-9]{1,5}"

__all__ = ["EVENTS", "register"]


def register() -> None:
    from documents.services import versions  # noqa: F401  (registers the download check)
    from documents.services.uploads import max_part_bytes
    from portal.api.middleware import register_body_limit

    register_body_limit(UPLOAD_PART_PATH, max_part_bytes)
