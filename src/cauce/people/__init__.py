"""People feature."""
