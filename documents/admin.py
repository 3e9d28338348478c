"""Django admin of the documents app: each part registers its models in its own module."""

from documents import admin_previews  # noqa: F401
