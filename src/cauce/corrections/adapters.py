"""Which adapter an organisation's mentions go through: its newest accepted run, refitted once per
process from the examples that run used (fitting is deterministic, so it is the adapter the guard
checked). Importing this module registers the lookup with `cauce.triage.adaptation`."""

from __future__ import annotations

import threading
from typing import Any

from cauce.corrections import service, training
from cauce.triage import adaptation
from cauce.triage.adaptation import Adapter

_lock = threading.Lock()
_fitted: dict[tuple[str, int, int, str], Adapter] = {}  # (database, organisation, run, its time) -> adapter


def lookup(session: Any, organisation_id: int) -> Adapter | None:
    run = training.active_run(session, organisation_id=organisation_id)
    if run is None:
        return None
    key = (str(session.get_bind().url), organisation_id, run.id, run.created_at.isoformat())
    with _lock:
        adapter = _fitted.get(key)
        if adapter is None:
            examples = service.examples_of(session, organisation_id=organisation_id, up_to_id=run.last_example_id)
            adapter = training.fit_adapter(examples, version=run.version, mode=training.mode_of(run))
            for old in [k for k in _fitted if k[:2] == key[:2]]:
                del _fitted[old]
            _fitted[key] = adapter
    return adapter


adaptation.set_lookup(lookup)
