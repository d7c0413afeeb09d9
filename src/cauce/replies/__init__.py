"""Replies feature."""
