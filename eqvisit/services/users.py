"""Users known to this profile, and who is signed in on it."""

from __future__ import annotations

from eqvisit.errors import NotFound
from eqvisit.services.context import ServiceContext
from eqvisit.services.dto import UserRow
from eqvisit.services.mapping import user_row
from eqvisit.storage.repositories import users


class UserService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def list_users(self) -> list[UserRow]:
        with self._context.store.unit_of_work() as uow:
            return [user_row(u) for u in users.all_active(uow.session)]

    def current_user(self) -> UserRow | None:
        user_id = self._context.identity.user_id
        if user_id is None:
            return None
        with self._context.store.unit_of_work() as uow:
            user = users.get(uow.session, user_id)
            return user_row(user) if user is not None else None

    def sign_in_locally(self, username: str) -> UserRow:
        """Make ``username`` the profile's author (the demo; real sign-in goes through sync)."""
        with self._context.store.unit_of_work() as uow:
            user = users.get_by_username(uow.session, username)
            if user is None:
                raise NotFound("user", username)
            row = user_row(user)
        self._context.set_current_user(row.id)
        return row
