"""Users, argon2 passwords, per-brand membership, tokens and sessions."""

from __future__ import annotations

import pytest

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.auth.models import User
from cauce.db import Database
from cauce.errors import Conflict, InvalidInput, Unauthorized
from helpers import make_brand

STRONG = "rio-verde-bajo-la-luna"


def test_password_is_hashed_with_argon2_and_verified(db: Database) -> None:
    with db.session() as s:
        auth.create_user(s, email="Laura@Conectel.co", name="Laura Gómez", role="agent", password="s3creta-larga",
                         actor=SYSTEM)
    with db.session() as s:
        user = s.query(User).one()
        assert user.email == "laura@conectel.co"
        assert user.password_hash.startswith("$argon2") and "s3creta" not in user.password_hash
        assert auth.authenticate(s, email="laura@conectel.co", password="s3creta-larga").id == user.id
        with pytest.raises(Unauthorized):
            auth.authenticate(s, email="laura@conectel.co", password="otra-clave")
        with pytest.raises(Unauthorized):
            auth.authenticate(s, email="nadie@conectel.co", password="s3creta-larga")


def test_bad_user_input_is_refused(db: Database) -> None:
    with db.session() as s:
        with pytest.raises(InvalidInput):
            auth.create_user(s, email="x@y.co", name="X", role="root", password=STRONG, actor=SYSTEM)
        with pytest.raises(InvalidInput):
            auth.create_user(s, email="x@y.co", name="X", role="agent", password="corta", actor=SYSTEM)
        auth.create_user(s, email="x@y.co", name="X", role="agent", password=STRONG, actor=SYSTEM)
        with pytest.raises(Conflict):
            auth.create_user(s, email="X@y.co", name="X", role="agent", password=STRONG, actor=SYSTEM)


def test_membership_limits_brands_and_admins_see_all(db: Database) -> None:
    a = make_brand(db, name="Marca A")
    b = make_brand(db, name="Marca B")
    with db.session() as s:
        agent = auth.create_user(s, email="a@a.co", name="Ana", role="agent", password=STRONG,
                                 brand_ids=[a.id], actor=SYSTEM)
        admin = auth.create_user(s, email="admin@a.co", name="Admin", role="admin", password=STRONG,
                                 actor=SYSTEM)
        assert auth.principal_for(s, agent).brand_ids == frozenset({a.id})
        assert auth.principal_for(s, admin).brand_ids is None
        assert auth.can_access_brand(s, user_id=agent.id, brand_id=a.id)
        assert not auth.can_access_brand(s, user_id=agent.id, brand_id=b.id)


def test_api_tokens_are_stored_hashed_and_resolve(db: Database) -> None:
    with db.session() as s:
        user = auth.create_user(s, email="bot@a.co", name="Bot", role="agent", password=STRONG, actor=SYSTEM)
        token = auth.create_api_token(s, user_id=user.id, name="script", actor=SYSTEM)
    with db.session() as s:
        assert auth.user_for_token(s, token).id == user.id
        with pytest.raises(Unauthorized):
            auth.user_for_token(s, token + "x")


def test_sessions_start_resolve_and_end(db: Database) -> None:
    with db.session() as s:
        user = auth.create_user(s, email="s@a.co", name="Sofía", role="supervisor", password=STRONG,
                                actor=SYSTEM)
        new = auth.start_session(s, user=user)
    with db.session() as s:
        found, row = auth.session_user(s, new.token)
        assert found.id == user.id and row.csrf_token == new.csrf_token
        auth.end_session(s, new.token)
    with db.session() as s, pytest.raises(Unauthorized):
        auth.session_user(s, new.token)
