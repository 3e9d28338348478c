"""Documents: models arrive with their issue."""
