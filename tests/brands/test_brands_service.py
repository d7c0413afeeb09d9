"""Finding brands by the names and slugs mentions carry."""

from __future__ import annotations

import pytest

from cauce.brands import service as brands
from cauce.db import Database
from cauce.errors import NotFound
from helpers import make_brand


def test_brands_read_ahead_resolve_exactly_as_one_by_one(db: Database) -> None:
    andino = make_brand(db, "Banco Andino").id
    conectel = make_brand(db, "Conectel").id
    refs = ["Banco Andino", " banco-andino ", "BANCO ANDINO", "conectel", "Marca Fantasma"]
    with db.session() as s:
        brands.resolve_many(s, refs)
        assert [brands.resolve(s, r).id for r in refs[:4]] == [andino, andino, andino, conectel]
        with pytest.raises(NotFound):
            brands.resolve(s, "Marca Fantasma")
    with db.session() as s:  # the same answers without reading ahead
        assert [brands.resolve(s, r).id for r in refs[:4]] == [andino, andino, andino, conectel]
