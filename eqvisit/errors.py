"""The one exception tree of eqvisit.

Every error a person can meet derives from :class:`EqvisitError` and carries a message that says
what is wrong and where. The CLI prints ``str(error)`` on one line and exits with ``exit_code``; the
UI maps the same classes to dialogs in one place. This module imports nothing of ours, so every
layer (the domain included) may raise these.

    EqvisitError
    ├── DomainError            a rule of the domain refused an action
    │   ├── IllegalTransition  a visit lifecycle move that the rules do not allow
    │   └── InvalidValue       a value outside its allowed range or set
    ├── StorageError           the local store cannot be opened, migrated or written
    │   ├── StoreLocked        another process holds the store
    │   ├── NotFound           a record that should exist does not
    │   ├── UnsafeLocation     the profile is on a network or cloud-synced folder
    │   └── StoreDamaged       the store failed its integrity check
    ├── TemplateError          a template file is malformed (file, line, field)
    ├── ImportFileError        an import file is malformed (file, line, field)
    ├── SyncError              talking to the central store failed
    │   ├── AuthError          not signed in, wrong password, or token revoked
    │   │   └── WipeRequired   this device was revoked: its local data is to be erased
    │   ├── ConflictError      a change could not be applied as it stands
    │   └── NetworkError       the server could not be reached
    └── SettingsError          the settings file is unreadable (file, field)
"""

from __future__ import annotations

from pathlib import Path


class EqvisitError(Exception):
    """Base of every error eqvisit reports to a person."""

    exit_code = 1


class DomainError(EqvisitError):
    """A rule of the domain refused an action."""


class IllegalTransition(DomainError):
    """A visit lifecycle move the rules do not allow."""

    def __init__(self, current: str, requested: str, allowed: tuple[str, ...]) -> None:
        self.current = current
        self.requested = requested
        self.allowed = allowed
        choices = ", ".join(allowed) if allowed else "none (the visit is closed)"
        super().__init__(
            f"A visit in status '{current}' cannot move to '{requested}'; allowed next: {choices}."
        )


class InvalidValue(DomainError):
    """A value outside its allowed range or set; ``field`` names what was wrong."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class StorageError(EqvisitError):
    """The local store cannot be opened, migrated or written."""

    exit_code = 3


class StoreLocked(StorageError):
    """Another process holds the store."""


class WrongStoreKey(StorageError):
    """The key (or the passphrase it came from) does not open this store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"The passphrase (or keychain key) does not unlock this profile's store ({path}); "
            "check it and try again. Nothing was changed."
        )


class NotFound(StorageError):
    """A record that should exist does not."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"No {kind} with id {key!s}.")


class LocatedError(EqvisitError):
    """An error in an input file, located as ``FILE:LINE: field: what is wrong``."""

    exit_code = 2

    def __init__(
        self, source: str, message: str, *, line: int | None = None, field: str | None = None
    ) -> None:
        self.source = source
        self.line = line
        self.field = field
        self.detail = message
        where = source if line is None else f"{source}:{line}"
        what = message if field is None else f"{field}: {message}"
        super().__init__(f"{where}: {what}")


class TemplateError(LocatedError):
    """A template file is malformed."""


class ImportFileError(LocatedError):
    """An import file (ODS extract, intelligence CSV) is malformed."""


class SyncError(EqvisitError):
    """Talking to the central store failed."""

    exit_code = 4


class AuthError(SyncError):
    """Not signed in, wrong credentials, or the device token was revoked."""

    exit_code = 5


class ConflictError(SyncError):
    """A change could not be applied as it stands."""


class NetworkError(SyncError):
    """The central store could not be reached."""


class SettingsError(EqvisitError):
    """The settings file cannot be read; ``field`` names the setting at fault, if one is."""

    exit_code = 2

    def __init__(self, source: str, message: str, *, field: str | None = None) -> None:
        self.source = source
        self.field = field
        what = message if field is None else f"{field}: {message}"
        super().__init__(f"{source}: {what}")


class UnsafeLocation(StorageError):
    """The profile is in a folder where SQLite's locking (and WAL) cannot be trusted."""


class StoreDamaged(StorageError):
    """The store failed its integrity check; ``backup`` is the newest copy to restore, if any."""

    def __init__(self, message: str, backup: object = None) -> None:
        self.backup = backup
        super().__init__(message)


class WipeRequired(AuthError):
    """The central store revoked this device: the profile's local data is erased (said first)."""

    def __init__(self, unsent: int) -> None:
        self.unsent = unsent
        lost = (
            f", including {unsent} changes never sent to the server, which are lost"
            if unsent
            else ""
        )
        super().__init__(
            "The central store has revoked this laptop's access. To protect the data, eqvisit "
            "now erases everything this profile holds on this laptop: the encrypted store"
            f"{lost}, attachments, reports, the sign-in and the store key. Sign in again to get "
            "a fresh copy of your visits."
        )
