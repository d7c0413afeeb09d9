"""The gettext catalogues parse cleanly: a merge that splits an entry (a msgid without its msgstr)
must fail here, not print warnings at every start of the server."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGUES = sorted((Path(__file__).resolve().parents[2] / "src" / "cauce" / "web" / "i18n").glob(
    "*/LC_MESSAGES/messages.po"))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_parses_without_problems(path: Path) -> None:
    with path.open("rb") as handle:
        catalogue = read_po(handle, abort_invalid=True)
    assert len(catalogue) > 100
