"""Fixtures of the conferencing tests."""

from tests.conferencing.scene_conferences import meeting  # noqa: F401
