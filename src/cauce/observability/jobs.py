"""One call for the runtime around each job or task run: log ids bound, runs and duration counted.

```python
from cauce.observability.jobs import observe_job

with observe_job("replies.outbox", message_id):   # job id: the broker's message id, or None (a new one)
    job.run(ctx)
```
A run that raises is counted as `cauce_job_runs{job, outcome="error"}` and the exception goes on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from cauce.observability import logs, metrics


@contextlib.contextmanager
def observe_job(name: str, job_id: str | None = None) -> Iterator[str]:
    with logs.bind_job(name, job_id) as bound, metrics.time_job(name):
        yield bound
