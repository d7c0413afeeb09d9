"""Reports feature."""
