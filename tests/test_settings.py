"""Settings: JSON in the config folder, written atomically, a bad file never stops the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eqvisit.errors import SettingsError
from eqvisit.paths import ProfilePaths
from eqvisit.settings import Settings, load_settings, parse_settings, save_settings


def test_settings_round_trip_through_the_profile_file(profile: ProfilePaths) -> None:
    chosen = Settings(
        server_url="https://central.example.nhs.uk",
        sync_interval_minutes=15,
        theme="high_contrast",
        text_scale=1.4,
        idle_lock_minutes=5,
        purge_closed_visits_after_days=90,
    )
    save_settings(profile.settings_file, chosen)

    loaded = load_settings(profile.settings_file)

    assert loaded.problem is None
    assert loaded.settings == chosen
    assert profile.settings_file.parent == profile.config_dir
    assert json.loads(profile.settings_file.read_text())["theme"] == "high_contrast"
    assert list(profile.config_dir.glob(".settings-*")) == []  # no temporary file left behind


def test_a_missing_file_gives_the_defaults(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path / "settings.json")

    assert loaded.problem is None
    assert loaded.settings == Settings()
    assert loaded.settings.sync_interval_minutes == 5
    assert loaded.settings.idle_lock_minutes == 15
    assert loaded.settings.purge_closed_visits_after_days == 30


def test_an_invalid_value_names_file_and_field_and_keeps_a_bad_copy(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    original = json.dumps({"theme": "standard", "sync_interval_minutes": 0})
    path.write_text(original, encoding="utf-8")

    loaded = load_settings(path)

    assert loaded.settings == Settings()
    assert loaded.problem is not None
    assert loaded.problem.field == "sync_interval_minutes"
    assert str(path) in str(loaded.problem)
    assert path.read_text(encoding="utf-8") == original  # the user's file is not overwritten
    assert loaded.bad_copy == tmp_path / "settings.json.bad"
    assert loaded.bad_copy.read_text(encoding="utf-8") == original


def test_a_file_that_is_not_json_says_where(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"theme": "standard",\n  oops}', encoding="utf-8")

    loaded = load_settings(path)

    assert loaded.settings == Settings()
    assert loaded.problem is not None
    assert "line 2" in str(loaded.problem)
    assert (tmp_path / "settings.json.bad").is_file()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"theme": "purple"}', "theme"),
        ('{"text_scale": 9}', "text_scale"),
        ('{"server_url": "ftp://x"}', "server_url"),
        ('{"sync_intervall_minutes": 3}', "sync_intervall_minutes"),
    ],
)
def test_each_bad_field_is_named(raw: str, field: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw, "settings.json")

    assert caught.value.field == field
    assert str(caught.value).startswith(f"settings.json: {field}:")


def test_saving_replaces_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, Settings(sync_interval_minutes=60))
    save_settings(path, Settings(theme="high_contrast"))

    assert load_settings(path).settings == Settings(theme="high_contrast")
