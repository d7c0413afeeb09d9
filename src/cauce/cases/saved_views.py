"""Saved views: a user's own named inbox filters. Only the owner lists, renames or deletes them;
anyone else's view is "not found" (admins included: a view is personal, not brand data)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.cases.models import SavedView
from cauce.errors import Conflict, InvalidInput, NotFound

MAX_NAME = 80
MAX_VIEWS = 50


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(f"Dé a la vista un nombre de 1 a {MAX_NAME} caracteres.")
    return name


def views_of(session: Session, *, user_id: int) -> list[SavedView]:
    return list(session.scalars(select(SavedView).where(SavedView.user_id == user_id).order_by(SavedView.name)))


def get(session: Session, *, view_id: int, user_id: int) -> SavedView:
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user_id:
        raise NotFound(f"No existe la vista {view_id}.")
    return view


def _unique(session: Session, user_id: int, name: str, exclude: int | None = None) -> None:
    query = select(SavedView.id).where(SavedView.user_id == user_id, SavedView.name == name)
    if exclude is not None:
        query = query.where(SavedView.id != exclude)
    if session.scalar(query) is not None:
        raise Conflict(f"Ya tiene una vista llamada «{name}».")


def save(session: Session, *, user_id: int, name: str, filters: Mapping[str, str],
         allowed: tuple[str, ...]) -> SavedView:
    """Save the given filters (only the keys in `allowed`, non-empty) under a name of the user's."""
    name = clean_name(name)
    _unique(session, user_id, name)
    if len(views_of(session, user_id=user_id)) >= MAX_VIEWS:
        raise InvalidInput(f"Como máximo {MAX_VIEWS} vistas guardadas; borre alguna.")
    kept = {k: str(v)[:200] for k, v in filters.items() if k in allowed and v not in (None, "")}
    view = SavedView(user_id=user_id, name=name, filters=kept)
    session.add(view)
    session.flush()
    return view


def rename(session: Session, *, view_id: int, user_id: int, name: str) -> SavedView:
    view = get(session, view_id=view_id, user_id=user_id)
    name = clean_name(name)
    _unique(session, user_id, name, exclude=view.id)
    view.name = name
    session.flush()
    return view


def delete(session: Session, *, view_id: int, user_id: int) -> None:
    view = get(session, view_id=view_id, user_id=user_id)
    session.delete(view)
    session.flush()
