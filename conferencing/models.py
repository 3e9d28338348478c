"""Calls and conferences: models arrive with their issue."""
