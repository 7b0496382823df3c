"""Where the bundled ``resources/`` folder is: the source tree, or the frozen bundle's folder.

This is the one place that derives a path from ``__file__``; everything else asks it.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """A file under ``resources/``; ``parts`` are fixed names from our code, never user input."""
    path = resources_root().joinpath(*parts).resolve()
    if resources_root().resolve() not in path.parents:
        raise ValueError(f"{'/'.join(parts)} is outside the resources folder")
    return path
