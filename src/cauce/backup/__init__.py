"""Backup and restore (PostgreSQL dump + audit anchors), see `cauce.backup.service` and docs/backup.md."""
