"""The tone guard: checks every reply against the playbook before it is sent."""

from cauce.replies.tone.guard import RULE_IDS, check_reply
from cauce.replies.tone.schemas import Finding, GuardContext, GuardVerdict

__all__ = ["RULE_IDS", "Finding", "GuardContext", "GuardVerdict", "check_reply"]
