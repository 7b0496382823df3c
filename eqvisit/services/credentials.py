"""Where this profile keeps its sign-in: the server and user in a JSON file, the token apart.

The token goes to the OS keychain through ``keyring`` when a real keychain is available, else to
a file readable only by the user inside the profile; :meth:`CredentialStore.save` says which, so
the user is told. The token is never logged.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import keyring
from keyring.backends import fail
from keyring.errors import KeyringError

KEYCHAIN_SERVICE = "eqvisit"


@dataclass(frozen=True)
class Connection:
    server_url: str
    user_id: str
    username: str
    display_name: str
    role: str


class CredentialStore:
    def __init__(self, config_dir: Path, *, use_keychain: bool | None = None) -> None:
        self._connection_file = config_dir / "connection.json"
        self._token_file = config_dir / "token"
        self._use_keychain = keychain_available() if use_keychain is None else use_keychain

    def _account(self) -> str:
        return str(self._connection_file.parent.resolve())

    def save(self, connection: Connection, token: str) -> str:
        """Store both; return where the token went, in words for the user."""
        self._connection_file.parent.mkdir(parents=True, exist_ok=True)
        self._connection_file.write_text(json.dumps(asdict(connection), indent=2), encoding="utf-8")
        if self._use_keychain:
            try:
                keyring.set_password(KEYCHAIN_SERVICE, self._account(), token)
                self._token_file.unlink(missing_ok=True)
                return "the OS keychain"
            except KeyringError:
                pass
        descriptor = os.open(self._token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(token)
        os.chmod(self._token_file, 0o600)
        return f"a file only you can read ({self._token_file}); no OS keychain is available"

    def connection(self) -> Connection | None:
        if not self._connection_file.is_file():
            return None
        data = json.loads(self._connection_file.read_text(encoding="utf-8"))
        return Connection(**data)

    def token(self) -> str | None:
        if self._use_keychain:
            try:
                found = keyring.get_password(KEYCHAIN_SERVICE, self._account())
                if found:
                    return found
            except KeyringError:
                pass
        if self._token_file.is_file():
            return self._token_file.read_text(encoding="utf-8").strip() or None
        return None

    def forget_token(self) -> None:
        """Drop the token (after a revocation or sign-out); the connection details stay."""
        if self._use_keychain:
            with contextlib.suppress(KeyringError):
                keyring.delete_password(KEYCHAIN_SERVICE, self._account())
        self._token_file.unlink(missing_ok=True)

    def forget(self) -> None:
        """Drop the token and the connection details (wiping a revoked device)."""
        self.forget_token()
        self._connection_file.unlink(missing_ok=True)


def keychain_available() -> bool:
    try:
        backend = keyring.get_keyring()
    except KeyringError:
        return False
    if type(backend).__module__.startswith("keyrings.alt"):
        return False  # plaintext or obfuscated files, not a keychain
    return not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 0) > 0
