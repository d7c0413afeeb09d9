"""Connectors feature."""
