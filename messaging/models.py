"""Messaging: models arrive with their issue."""
