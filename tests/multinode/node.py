"""One node of the multi-node test: the `cauce` command with the suite's scripted assessor.

Triage is scripted here as in the rest of the suite: the cluster's guarantees are under test, not
the model (which costs about 60 ms a mention on a 2-core machine and would make a 5,000-mention
burst a matter of minutes). Everything else is the real command: `python node.py serve --port N`.
"""

from __future__ import annotations

import sys

from cauce.triage import service
from helpers import ScriptedAssessor


class _Assessor(ScriptedAssessor):
    def assess(self, mention, history):  # type: ignore[no-untyped-def]
        result = super().assess(mention, history)
        self.calls.clear()  # a long-running node must not keep every mention it saw
        return result


if __name__ == "__main__":
    service.set_assessor(_Assessor())
    from cauce.cli import main

    sys.argv = ["cauce", *sys.argv[1:]]
    main()
