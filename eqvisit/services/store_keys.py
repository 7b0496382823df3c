"""Where the key of a profile's encrypted store comes from: the OS keychain, or a passphrase.

A new profile gets a random 256-bit key kept in the OS keychain (``keyring``, service ``eqvisit``,
user = the profile id) when a real keychain is available. Where none is (a headless machine, a
plaintext-only keyring), the key is derived from a passphrase with Argon2id; the salt and the
cost parameters are kept beside the store in ``store-key.json``, never the passphrase or the key.
That file also says which of the two a profile uses, so opening never guesses.

The demo profile on a machine without a keychain uses the published :data:`DEMO_PASSPHRASE`
(``eqvisit demo`` says so): it holds synthetic data only, and ``make run`` must work with no set-up.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keyring
from argon2.low_level import Type, hash_secret_raw
from keyring.errors import KeyringError

from eqvisit.errors import StorageError, WrongStoreKey
from eqvisit.paths import ProfilePaths
from eqvisit.services.credentials import KEYCHAIN_SERVICE, keychain_available
from eqvisit.storage.cipher import KEY_BYTES, is_plain_sqlite, verify_store_key

PASSPHRASE_VARIABLE = "EQVISIT_PASSPHRASE"  # noqa: S105 - the variable's name
DEMO_PASSPHRASE = "eqvisit demo only"  # noqa: S105 - published; the demo profile's synthetic data
KEY_FILE_VERSION = 1
KEYCHAIN_ACCOUNT_PREFIX = "store-key:"
METHODS = ("keychain", "passphrase")


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters (RFC 9106 names). Defaults: ~140 ms on a 2020s laptop core."""

    time_cost: int = 3
    memory_kib: int = 65_536
    parallelism: int = 4


DEFAULT_KDF = KdfParams()


class PassphraseNeeded(StorageError):
    """The profile's key comes from a passphrase and none was given."""

    def __init__(self, key_file: Path, *, new: bool = False) -> None:
        self.new = new  # a new profile: the user chooses a passphrase (typed twice)
        if new:
            message = (
                f"No OS keychain is available, so this new profile ({key_file.parent}) needs a "
                f"passphrase to encrypt its store: open it in the app, or set "
                f"{PASSPHRASE_VARIABLE} for command-line use."
            )
        else:
            message = (
                f"This profile's store is encrypted with a passphrase ({key_file}); enter it, "
                f"or set {PASSPHRASE_VARIABLE} for command-line use."
            )
        super().__init__(message)


@dataclass(frozen=True)
class Unlock:
    """How to obtain a store key: ask for a passphrase only when needed, keychain or not.

    ``passphrase`` is called at most once per unlock and may return ``None`` (nothing given).
    ``new_kdf`` is the Argon2id cost for a profile created now; existing profiles keep theirs.
    """

    passphrase: Callable[[], str | None] = field(default=lambda: None)
    use_keychain: bool = True
    new_kdf: KdfParams = DEFAULT_KDF
    demo: bool = False

    @classmethod
    def from_environment(cls, *, demo: bool = False) -> Unlock:
        """The passphrase from ``EQVISIT_PASSPHRASE``, the keychain if a real one exists."""
        return cls(
            passphrase=lambda: os.environ.get(PASSPHRASE_VARIABLE) or None,
            use_keychain=keychain_available(),
            demo=demo,
        )


@dataclass(frozen=True)
class KeyFile:
    """The contents of ``store-key.json``: which method, and the Argon2id salt and cost."""

    profile_id: str
    method: str  # "keychain" or "passphrase"
    salt_hex: str = ""
    kdf: KdfParams = DEFAULT_KDF
    demo_passphrase: bool = False
    version: int = KEY_FILE_VERSION

    @classmethod
    def read(cls, path: Path) -> KeyFile | None:
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found = cls(
                profile_id=str(data["profile_id"]),
                method=str(data["method"]),
                salt_hex=str(data.get("salt_hex", "")),
                kdf=KdfParams(**data.get("kdf", {})),
                demo_passphrase=bool(data.get("demo_passphrase", False)),
                version=int(data.get("version", KEY_FILE_VERSION)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"{path}: the store's key file is unreadable ({exc})") from exc
        if found.method not in METHODS:
            raise StorageError(f"{path}: method must be one of {', '.join(METHODS)}")
        if found.method == "passphrase" and len(found.salt_hex) != 32:
            raise StorageError(f"{path}: salt_hex must be 16 bytes in hex")
        return found

    def write(self, path: Path) -> None:
        """Write atomically (a crash leaves the old file or the new one, never half of one)."""
        partial = path.with_name(path.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(asdict(self), handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)


def derive_key(passphrase: str, salt: bytes, kdf: KdfParams) -> bytes:
    """The store key from a passphrase with Argon2id."""
    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=kdf.time_cost,
        memory_cost=kdf.memory_kib,
        parallelism=kdf.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


class StoreKeys:
    """The key of one profile's store. Not thread-bound; holds no key itself."""

    def __init__(self, key_file: Path, store_file: Path) -> None:
        self.key_file = key_file
        self.store_file = store_file

    @classmethod
    def of(cls, paths: ProfilePaths) -> StoreKeys:
        """The keys of the profile at ``paths``."""
        return cls(paths.store_key_file, paths.store_file)

    def describe(self) -> KeyFile | None:
        return KeyFile.read(self.key_file)

    def needs_passphrase(self) -> bool:
        """Whether opening this profile asks the user for a passphrase (GUI: show the dialog)."""
        found = self.describe()
        return found is not None and found.method == "passphrase" and not found.demo_passphrase

    def unlock(self, unlock: Unlock) -> bytes:
        """The store key, creating one (and the key file) for a new profile."""
        found = self.describe()
        if found is None:
            if self.store_file.is_file() and not is_plain_sqlite(self.store_file):
                raise StorageError(
                    f"{self.store_file} is not a readable eqvisit store: it is not plain SQLite, "
                    f"and the key file of an encrypted store ({self.key_file}) is missing"
                )
            return self._create(unlock)
        if found.method == "keychain":
            return self._from_keychain(found)
        passphrase = DEMO_PASSPHRASE if found.demo_passphrase else unlock.passphrase()
        if not passphrase:
            raise PassphraseNeeded(self.key_file)
        return derive_key(passphrase, bytes.fromhex(found.salt_hex), found.kdf)

    def _create(self, unlock: Unlock) -> bytes:
        profile_id = str(uuid.uuid4())
        if unlock.use_keychain:
            key = secrets.token_bytes(KEY_BYTES)
            try:
                keyring.set_password(KEYCHAIN_SERVICE, _account(profile_id), key.hex())
            except KeyringError:
                pass
            else:
                KeyFile(profile_id=profile_id, method="keychain").write(self.key_file)
                return key
        passphrase = unlock.passphrase()
        demo = False
        if not passphrase and unlock.demo:
            passphrase, demo = DEMO_PASSPHRASE, True
        if not passphrase:
            raise PassphraseNeeded(self.key_file, new=True)
        salt = secrets.token_bytes(16)
        KeyFile(
            profile_id=profile_id,
            method="passphrase",
            salt_hex=salt.hex(),
            kdf=unlock.new_kdf,
            demo_passphrase=demo,
        ).write(self.key_file)
        return derive_key(passphrase, salt, unlock.new_kdf)

    def _from_keychain(self, found: KeyFile) -> bytes:
        try:
            stored = keyring.get_password(KEYCHAIN_SERVICE, _account(found.profile_id))
        except KeyringError as exc:
            raise StorageError(f"the OS keychain could not be read: {exc}") from exc
        if not stored:
            raise StorageError(
                "the OS keychain no longer holds the key of this profile's store "
                f"({self.key_file}); without it the store cannot be opened"
            )
        return bytes.fromhex(stored)

    def check(self, passphrase: str) -> bool:
        """Whether ``passphrase`` opens the store (the idle lock's question; runs Argon2id).

        A keychain profile ignores the text and reads the keychain again, which on macOS and
        Windows asks for the OS user's presence when the keychain is locked.
        """
        found = self.describe()
        if found is None:
            return False
        try:
            if found.method == "keychain":
                key = self._from_keychain(found)
            else:
                key = derive_key(passphrase, bytes.fromhex(found.salt_hex), found.kdf)
            verify_store_key(self.store_file, key)
        except WrongStoreKey:
            return False
        return True

    def lock_hint(self) -> str:
        """What the lock screen asks for, in words for the user."""
        found = self.describe()
        if found is not None and found.method == "keychain":
            return "Locked after a time without use. Unlock to read the OS keychain again."
        if found is not None and found.demo_passphrase:
            return (
                "Locked after a time without use. This demo profile's passphrase is "
                f"'{DEMO_PASSPHRASE}'."
            )
        return "Locked after a time without use. Type this profile's passphrase to go on."

    def forget(self) -> None:
        """Delete the key (keychain entry and key file): the store can never be opened again."""
        found = self.describe()
        if found is not None and found.method == "keychain":
            with contextlib.suppress(KeyringError):
                keyring.delete_password(KEYCHAIN_SERVICE, _account(found.profile_id))
        self.key_file.unlink(missing_ok=True)


def _account(profile_id: str) -> str:
    return KEYCHAIN_ACCOUNT_PREFIX + profile_id
