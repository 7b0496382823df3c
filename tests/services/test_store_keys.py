"""Where the store key comes from: a real keyring backend, a passphrase, the demo passphrase."""

from __future__ import annotations

import json
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from sqlalchemy import text

from eqvisit.app_services import open_services, store_keys
from eqvisit.errors import StorageError, WrongStoreKey
from eqvisit.paths import ProfilePaths
from eqvisit.services.credentials import KEYCHAIN_SERVICE
from eqvisit.services.store_keys import KdfParams, PassphraseNeeded, Unlock
from eqvisit.storage.cipher import is_plain_sqlite
from eqvisit.storage.store import open_store
from tests.conftest import TEST_PASSPHRASE, TEST_UNLOCK

CHEAP = KdfParams(time_cost=1, memory_kib=8, parallelism=1)


class MemoryKeyring(KeyringBackend):
    """A keyring backend holding secrets in memory: a real backend class, as an OS keychain is."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def keychain() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_a_new_profile_keeps_a_random_key_in_the_keychain(
    profile: ProfilePaths, keychain: MemoryKeyring
) -> None:
    unlock = Unlock(use_keychain=True)
    open_services(profile, unlock).close()
    described = store_keys(profile).describe()
    assert described is not None and described.method == "keychain"
    (service, account), stored = next(iter(keychain.secrets.items()))
    assert service == KEYCHAIN_SERVICE and account.endswith(described.profile_id)
    assert len(bytes.fromhex(stored)) == 32
    assert stored not in profile.store_key_file.read_text(), "the key never touches the disk"
    open_services(profile, unlock).close()  # reopens from the keychain, no passphrase asked

    store_keys(profile).forget()
    assert keychain.secrets == {} and not profile.store_key_file.exists()


def test_a_lost_keychain_entry_is_a_clear_error(
    profile: ProfilePaths, keychain: MemoryKeyring
) -> None:
    open_services(profile, Unlock(use_keychain=True)).close()
    keychain.secrets.clear()
    with pytest.raises(StorageError, match="keychain no longer holds the key"):
        open_services(profile, Unlock(use_keychain=True))


def test_without_a_keychain_the_key_comes_from_the_passphrase(profile: ProfilePaths) -> None:
    open_services(profile, TEST_UNLOCK).close()
    saved = json.loads(profile.store_key_file.read_text())
    assert saved["method"] == "passphrase" and len(bytes.fromhex(saved["salt_hex"])) == 16
    assert TEST_PASSPHRASE not in profile.store_key_file.read_text()
    assert store_keys(profile).needs_passphrase()

    wrong = Unlock(passphrase=lambda: "not the passphrase", use_keychain=False)
    with pytest.raises(WrongStoreKey, match="does not unlock this profile's store"):
        open_services(profile, wrong)
    with pytest.raises(PassphraseNeeded, match="EQVISIT_PASSPHRASE"):
        open_services(profile, Unlock(use_keychain=False))
    open_services(profile, TEST_UNLOCK).close()


def test_the_demo_profile_uses_the_published_passphrase(profile: ProfilePaths) -> None:
    demo = Unlock(use_keychain=False, new_kdf=CHEAP, demo=True)
    open_services(profile, demo).close()
    keys = store_keys(profile)
    described = keys.describe()
    assert described is not None and described.demo_passphrase
    assert not keys.needs_passphrase()
    open_services(profile, Unlock(use_keychain=False)).close()  # `eqvisit gui` asks nothing


def test_a_profile_from_before_encryption_is_encrypted_keeping_its_data(
    profile: ProfilePaths,
) -> None:
    plain = open_store(profile.store_file, key=None, backup_dir=profile.backup_dir)
    with plain.engine.begin() as connection:
        connection.execute(text("INSERT INTO local_settings (key, value) VALUES ('kept', 'yes')"))
    plain.close()
    services = open_services(profile, TEST_UNLOCK)
    try:
        with services.context.store.engine.connect() as connection:
            value = connection.execute(
                text("SELECT value FROM local_settings WHERE key = 'kept'")
            ).scalar_one()
        assert value == "yes"
    finally:
        services.close()
    assert not is_plain_sqlite(profile.store_file)
