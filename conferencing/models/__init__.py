"""Calls and conferences (one module per entity, the public names here)."""

from conferencing.models.calls import Call

__all__ = ["Call"]
