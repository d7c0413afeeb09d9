"""Mentions feature."""
