"""Playbook feature."""
