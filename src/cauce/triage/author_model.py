"""The trained author-role model, wrapped in the same hard gates as the rules.

Two levels: a message model (what role does the wording of each message suggest) and an author
model over the whole history (message-role averages and maxima plus the profile's signal
rates). A troll needs the author model's probability above a threshold chosen on training data
so that no customer crossed it, *and* the rule gate `troll_allowed` (several messages, troll
signals, no sign of being a customer).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from cauce.triage.author import (
    AuthorProfile,
    build_profile,
    own_words_role,
    trim_evidence,
    troll_allowed,
    troll_gate,
)
from cauce.triage.doc import Doc
from cauce.triage.fast_linear import fast_head
from cauce.triage.features import TextFeaturizer
from cauce.triage.schemas import AUTHOR_ROLES, Evidence

ROLES: tuple[str, ...] = AUTHOR_ROLES
_CACHE_SIZE = 50_000
_MESSAGE_SIGNAL = {"troll": "troll_language", "hostil": "grudge_language", "cliente": "customer_language"}


def author_vector(profile: AuthorProfile, message_roles: np.ndarray) -> list[float]:
    """Features of one author: message-role mean/max/last (4 each) and signal rates."""
    n = max(1, profile.messages)
    return [
        *message_roles.mean(axis=0), *message_roles.max(axis=0), *message_roles[-1],
        profile.ownership / n, profile.customer / n, profile.complaints / n, profile.insults / n,
        profile.mockery / n, profile.replies / n, profile.pile_ons / n, profile.grudge / n,
        profile.boycott / n, profile.old_grievance / n, profile.threats / n, profile.answered / n,
        math.log1p(profile.messages) / math.log(51), float(profile.messages == 1),
        float(troll_allowed(profile)),
    ]


def message_role_probabilities(head: Any, featurizer: TextFeaturizer, texts: Sequence[str]) -> np.ndarray:
    """Rows of P(role | message wording), columns in `ROLES` order."""
    if not texts:
        return np.zeros((0, len(ROLES)))
    proba = head.predict_proba(featurizer.transform(list(texts)))
    classes = [str(c) for c in head.classes_]
    out = np.zeros((len(texts), len(ROLES)))
    for column, role in enumerate(classes):
        out[:, ROLES.index(role)] = proba[:, column]
    return out


def choose_role(probabilities: np.ndarray, profile: AuthorProfile, troll_threshold: float) -> tuple[str, float]:
    """Most probable role, with troll only past the threshold and the rule gate.

    What the author's own words settle (`own_words_role`: an admitted fake, a counted grudge)
    comes first: those patterns are rare in the training corpus and clear in the text.
    """
    settled = own_words_role(profile)
    if settled is not None:
        return settled
    p = probabilities.copy()
    troll = ROLES.index("troll")
    if p[troll] < troll_threshold or not troll_gate(profile):
        p[troll] = 0.0
    if profile.messages == 1 and profile.ownership == 0 and profile.customer == 0 and profile.complaints == 0:
        # One message is not a history: without a complaint, nobody is labelled yet.
        return "ninguno", float(max(0.4, probabilities[ROLES.index("ninguno")]))
    index = int(np.argmax(p))
    return ROLES[index], float(p[index] / max(1e-9, p.sum()))


class TrainedAuthorProfiler:
    name = "author"

    def __init__(self, featurizer: TextFeaturizer, message_head: Any, author_head: Any,
                 troll_threshold: float) -> None:
        self.featurizer = featurizer
        self.message_head = fast_head(message_head)
        self.author_head = author_head
        self.troll_threshold = troll_threshold
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _message_roles(self, docs: list[Doc]) -> dict[str, np.ndarray]:
        texts = [m.text for d in docs for m in d.history.prior_messages] + [d.text for d in docs]
        missing = {t for t in texts if t not in self._cache}
        if missing:
            # Current messages were featurized by the classifier already: reuse those rows.
            reused: dict[int, tuple[Any, list[int], list[str]]] = {}
            for doc in docs:
                if doc.features is not None and doc.text in missing:
                    matrix, row = doc.features
                    entry = reused.setdefault(id(matrix), (matrix, [], []))
                    entry[1].append(row)
                    entry[2].append(doc.text)
                    missing.discard(doc.text)
            for matrix, rows, row_texts in reused.values():
                self._store(row_texts, self._ordered(self.message_head.predict_proba(matrix[rows])))
            if missing:
                ordered_missing = sorted(missing)
                self._store(ordered_missing,
                            message_role_probabilities(self.message_head, self.featurizer, ordered_missing))
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return {t: self._cache[t] for t in texts}

    def _ordered(self, proba: np.ndarray) -> np.ndarray:
        classes = [str(c) for c in self.message_head.classes_]
        out = np.zeros((proba.shape[0], len(ROLES)))
        for column, role in enumerate(classes):
            out[:, ROLES.index(role)] = proba[:, column]
        return out

    def _store(self, texts: list[str], rows: np.ndarray) -> None:
        for text, row in zip(texts, rows, strict=True):
            self._cache[text] = row

    def __call__(self, docs: list[Doc]) -> None:
        if not docs:
            return
        roles = self._message_roles(docs)
        profiles = [build_profile(doc) for doc in docs]
        vectors = []
        for doc, profile in zip(docs, profiles, strict=True):
            rows = np.asarray([roles[m.text] for m in doc.history.prior_messages] + [roles[doc.text]])
            vectors.append(author_vector(profile, rows))
        probabilities = self.author_head.predict_proba(np.asarray(vectors))
        classes = [str(c) for c in self.author_head.classes_]
        order = [classes.index(role) for role in ROLES]
        for doc, profile, row in zip(docs, profiles, probabilities, strict=True):
            ordered = row[order]
            doc.author_role, doc.role_confidence = choose_role(ordered, profile, self.troll_threshold)
            doc.evidence = trim_evidence(profile.evidence + self._wording_evidence(doc, roles))
            doc.scores.update({f"p_role_{role}": float(p) for role, p in zip(ROLES, ordered, strict=True)})
            doc.scores["unanswered_before_insult"] = float(profile.unanswered_before_insult)

    @staticmethod
    def _wording_evidence(doc: Doc, roles: dict[str, np.ndarray]) -> list[Evidence]:
        """Messages whose wording alone points clearly at a role (model evidence)."""
        items = [(m.text, m.external_id) for m in doc.history.prior_messages] + [(doc.text, doc.mention.id)]
        evidence = []
        for text, external_id in items:
            row = roles[text]
            role = ROLES[int(np.argmax(row))]
            if role in _MESSAGE_SIGNAL and row.max() >= 0.6:
                excerpt = " ".join(text.split())[:140]
                evidence.append(Evidence(signal=_MESSAGE_SIGNAL[role], message=excerpt, external_id=external_id))
        return evidence
