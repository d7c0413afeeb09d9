"""Web feature."""
