"""Django admin of the conferencing app: each part registers its models in its own module."""

from conferencing import admin_conferences  # noqa: F401
