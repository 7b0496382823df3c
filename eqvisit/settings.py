"""The user's settings: one JSON file in the profile's config folder, read and written atomically.

The settings dialog is the one place they are edited. A file that cannot be read (not JSON, or a
value out of range) never stops the app: :func:`load_settings` says which file and field are wrong,
keeps a ``.bad`` copy of it, and carries on with the defaults. The user's file itself is left alone
until they save settings again.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from eqvisit.errors import SettingsError

Theme = Literal["standard", "high_contrast"]
THEMES: tuple[Theme, ...] = ("standard", "high_contrast")
MIN_TEXT_SCALE, MAX_TEXT_SCALE = 0.8, 2.0


class Settings(BaseModel):
    """Every user setting with its default; unknown keys are refused so typos are noticed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server_url: str | None = None
    sync_interval_minutes: int = Field(default=5, ge=1, le=24 * 60)
    theme: Theme = "standard"
    text_scale: float = Field(default=1.0, ge=MIN_TEXT_SCALE, le=MAX_TEXT_SCALE)
    idle_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    purge_closed_visits_after_days: int = Field(default=30, ge=1, le=3650)

    @field_validator("server_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://", "local:")):
            raise ValueError("must start with http:// or https://")
        return value


@dataclass(frozen=True)
class LoadedSettings:
    """The settings in force, and what was wrong with the file when it could not be used."""

    settings: Settings
    problem: SettingsError | None = None
    bad_copy: Path | None = None


def load_settings(path: Path) -> LoadedSettings:
    """Read ``path``; a missing file gives the defaults, a bad one the defaults and the problem."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedSettings(Settings())
    except OSError as exc:
        return LoadedSettings(Settings(), SettingsError(str(path), f"cannot be read: {exc}"))
    try:
        settings = parse_settings(raw, str(path))
    except SettingsError as problem:
        return LoadedSettings(Settings(), problem, _keep_bad_copy(path))
    return LoadedSettings(settings)


def parse_settings(raw: str, source: str) -> Settings:
    """Settings from JSON text; :class:`SettingsError` names ``source`` and the field at fault."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            source, f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from exc
    if not isinstance(data, dict):
        raise SettingsError(source, "must hold a JSON object of settings")
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise SettingsError(source, first["msg"], field=field) from exc


def save_settings(path: Path, settings: Settings) -> None:
    """Write ``settings`` to ``path`` atomically: a temporary file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(settings.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"
    descriptor, temporary = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _keep_bad_copy(path: Path) -> Path | None:
    bad = path.with_name(path.name + ".bad")
    try:
        shutil.copyfile(path, bad)
    except OSError:
        return None
    return bad
