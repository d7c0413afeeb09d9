"""Reply drafts: playbook-compliant replies per intent, from editable templates or an LLM."""

from cauce.replies.drafts.schemas import INTENTS, CaseFacts, CrisisFacts, Draft, DraftContext, Intent
from cauce.replies.drafts.service import draft

__all__ = ["INTENTS", "CaseFacts", "CrisisFacts", "Draft", "DraftContext", "Intent", "draft"]
