"""Choosing what to use from measurements on the user's own data: cross-validation, learning curves, ranking."""
