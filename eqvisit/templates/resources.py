"""Where the framework data and default templates live under the bundled ``resources/`` folder."""

from __future__ import annotations

from pathlib import Path

from eqvisit.resources import resources_root

__all__ = ["frameworks_dir", "resources_root", "templates_dir"]


def frameworks_dir() -> Path:
    """The folder holding the quality framework data files (``<version>.yaml``)."""
    return resources_root() / "frameworks"


def templates_dir() -> Path:
    """The folder holding the default interview templates (``*.yaml``)."""
    return resources_root() / "templates"
