"""Jetstream channels only stream: they can be added and listed, and are refused for polling or replies."""

from __future__ import annotations

import pytest

from cauce.audit.service import SYSTEM
from cauce.connectors import construction
from cauce.db import Database
from cauce.errors import InvalidInput
from helpers import make_brand


def test_a_jetstream_channel_is_added_with_its_terms_and_url(db: Database) -> None:
    brand = make_brand(db)
    credentials, settings = construction.split_options("jetstream", {"term": ["Conectel", "#SinServicioConectel"],
                                                                 "base_url": "wss://jetstream.example/subscribe"})
    assert credentials == {}
    with db.session() as s:
        channel = construction.add_channel(s, brand=brand, kind="jetstream", settings=settings, actor=SYSTEM)
        assert channel.settings == {"brand_terms": ["Conectel", "#SinServicioConectel"],
                                    "jetstream_url": "wss://jetstream.example/subscribe"}
        with pytest.raises(construction.StreamOnlyChannel, match="cauce worker"):
            construction.get_connector(s, channel.id)


def test_a_jetstream_channel_needs_a_websocket_url_and_a_known_option(db: Database) -> None:
    brand = make_brand(db)
    with db.session() as s, pytest.raises(InvalidInput, match="wss://"):
        construction.add_channel(s, brand=brand, kind="jetstream", settings={"jetstream_url": "ftp://x"},
                             actor=SYSTEM)
    with pytest.raises(InvalidInput, match="token"):
        construction.split_options("jetstream", {"token": "abc"})
