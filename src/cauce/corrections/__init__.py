"""Corrections: agents fix a mention's triage; each fix is audited and becomes a labelled example
of the organisation, from which a per-organisation adapter (`cauce.triage.adaptation`) is trained."""
