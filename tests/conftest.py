"""Shared fixtures: a fresh profile and store per test, the demo, and PostgreSQL when available."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from eqvisit.app_services import Services, open_services, store_keys
from eqvisit.paths import ProfilePaths, resolve_profile
from eqvisit.resources import resource_path
from eqvisit.services.context import ServiceContext
from eqvisit.services.store_keys import PASSPHRASE_VARIABLE, KdfParams, Unlock
from eqvisit.storage.backup import backup_sqlite
from eqvisit.storage.store import open_store
from eqvisit.storage.unit_of_work import Store

PG_URL_VARIABLE = "EQVISIT_TEST_PG_URL"
ETR_FILE = resource_path("data", "ods", "etr.csv")

# Test machines have no OS keychain, and a developer's must not collect test entries: every test
# process (and every `eqvisit` child it starts) uses keyring's null backend and the passphrase
# below, as a headless machine would. Fixtures create their stores with low-cost Argon2id
# parameters so the suite does not pay ~140 ms of key derivation per store.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
TEST_PASSPHRASE = "correct horse battery staple"
os.environ[PASSPHRASE_VARIABLE] = TEST_PASSPHRASE
TEST_UNLOCK = Unlock(
    passphrase=lambda: TEST_PASSPHRASE,
    use_keychain=False,
    new_kdf=KdfParams(time_cost=1, memory_kib=8, parallelism=1),
)
TEST_STORE_KEY = bytes(range(32))


@pytest.fixture
def profile(tmp_path: Path) -> ProfilePaths:
    return resolve_profile(tmp_path / "profile").ensure()


@pytest.fixture
def store(profile: ProfilePaths) -> Iterator[Store]:
    opened = open_store(profile.store_file, key=TEST_STORE_KEY, backup_dir=profile.backup_dir)
    yield opened
    opened.close()


@pytest.fixture
def context(store: Store) -> ServiceContext:
    return ServiceContext.open(store)


@pytest.fixture
def services(profile: ProfilePaths) -> Iterator[Services]:
    opened = open_services(profile, TEST_UNLOCK)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def demo_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo built once per test run; each test gets its own copy of the file."""
    paths = resolve_profile(tmp_path_factory.mktemp("demo-template")).ensure()
    built = open_services(paths, TEST_UNLOCK)
    try:
        built.demo.build(ETR_FILE, paths.data_dir / "central.sqlite3")
    finally:
        built.close()
    return paths.store_file


@pytest.fixture
def demo_profile(profile: ProfilePaths, demo_store_file: Path) -> ProfilePaths:
    """A profile holding a copy of the demo, not opened (for tests of opening it)."""
    shutil.copyfile(demo_store_file.with_name(profile.store_key_file.name), profile.store_key_file)
    key = store_keys(profile).unlock(TEST_UNLOCK)
    backup_sqlite(demo_store_file, profile.store_file, key=key)
    return profile


@pytest.fixture
def demo(demo_profile: ProfilePaths) -> Iterator[Services]:
    """A profile holding the demo: real trusts, synthetic figures, a planned visit, signed in."""
    opened = open_services(demo_profile, TEST_UNLOCK)
    yield opened
    opened.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL on a fresh PostgreSQL schema (dropped afterwards) via the libpq search path.

    Skips on a developer machine without PostgreSQL; in CI (``CI`` set) a missing database is a
    failure, so PostgreSQL tests can never be skipped silently there.
    """
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_URL_VARIABLE} is not set in CI; .ci/run must export it")
        pytest.skip(f"set {PG_URL_VARIABLE} to run the PostgreSQL tests")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = create_engine(pg_url)
    yield engine
    engine.dispose()
