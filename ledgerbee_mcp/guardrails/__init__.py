"""Checks and consent around the actions that cannot be undone: send and convert."""
