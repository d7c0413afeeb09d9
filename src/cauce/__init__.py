"""Cauce: self-hosted social customer care and online reputation, Spanish first."""

__version__ = "0.1.0"
