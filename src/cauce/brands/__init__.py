"""Brands feature."""
