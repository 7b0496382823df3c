"""A device the central store revoked says so, then erases its local data (the real CLI path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eqvisit.app_services import open_services, store_keys
from eqvisit.cli import main
from eqvisit.cli_server import default_db
from eqvisit.paths import ProfilePaths, resolve_profile
from eqvisit.services.credentials import CredentialStore
from eqvisit.services.wipe import ProfileWipe


def profile_files(paths: ProfilePaths) -> list[Path]:
    store = paths.store_file
    return [
        store,
        paths.store_key_file,
        paths.config_dir / "connection.json",
        paths.config_dir / "token",
        paths.backup_dir,
        paths.attachments_dir,
    ]


def test_a_revoked_device_says_so_then_wipes_even_unsent_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--profile", str(tmp_path)]) == 0
    paths = resolve_profile(tmp_path)
    services = open_services(paths)
    try:
        (visit,) = services.visits.list_visits()
        services.visits.update(visit.id, {"title": "Written offline, never sent"})
        device_id = services.context.identity.device_id
    finally:
        services.close()
    (paths.attachments_dir / "blob").parent.mkdir(parents=True, exist_ok=True)
    (paths.attachments_dir / "blob").write_bytes(b"attachment bytes")
    assert all(path.exists() for path in profile_files(paths))
    central = Path(default_db(paths))
    capsys.readouterr()

    assert main(["admin", "--db", str(central), "revoke-device", device_id]) == 0
    assert main(["sync", "--profile", str(tmp_path)]) == 5
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 2
    assert "revoked this laptop's access" in said[0]
    assert "including 1 changes never sent" in said[0], "the user is told what is lost"
    assert said[1].startswith("eqvisit: erased this laptop's data")

    assert not any(path.exists() for path in profile_files(paths))
    assert not Path(f"{paths.store_file}-wal").exists()
    assert not paths.wipe_marker_file.exists()
    assert central.exists(), "the demo's central store is not this laptop's data"
    assert main(["sync", "--profile", str(tmp_path)]) == 5
    assert "Not signed in" in capsys.readouterr().err, "a fresh, empty profile"


def test_a_wipe_interrupted_by_a_crash_finishes_at_the_next_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = resolve_profile(tmp_path).ensure()
    open_services(paths).close()
    before = store_keys(paths).describe()
    ProfileWipe(paths, store_keys(paths), CredentialStore(paths.config_dir)).request(
        "device revoked by the central store"
    )
    assert paths.store_file.exists()
    assert main(["sync", "--profile", str(tmp_path)]) == 5  # not signed in, after the wipe
    err = capsys.readouterr().err
    assert "erased this laptop's data of the profile (device revoked" in err
    assert not paths.wipe_marker_file.exists()
    after = store_keys(paths).describe()  # `sync` went on with a fresh, empty profile
    assert before is not None and after is not None and after.profile_id != before.profile_id
