"""Is a folder a safe home for a SQLite store? Not on a network share, not in a cloud-synced folder.

SQLite's WAL mode needs shared memory between the processes that open the file, which network
file systems do not provide, and its locks are unreliable there; a sync client (OneDrive, Dropbox,
iCloud, Google Drive) copies the store and its ``-wal`` file at different moments and can hand
back a torn database. Both lose data silently, so the store refuses such a folder unless an expert
overrides it with ``EQVISIT_ALLOW_UNSAFE_LOCATION=1``.

The mount table is a parameter, so the Linux check is tested on any machine.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath

from eqvisit.errors import UnsafeLocation

OVERRIDE_VARIABLE = "EQVISIT_ALLOW_UNSAFE_LOCATION"
MOUNTS_FILE = Path("/proc/mounts")

# File system types (``/proc/mounts`` third field) that reach another machine.
NETWORK_FILE_SYSTEMS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph",
        "glusterfs", "lustre", "gpfs", "beegfs", "davfs", "fuse.sshfs", "fuse.rclone",
        "fuse.s3fs", "fuse.gcsfuse", "fuse.glusterfs", "fuse.cephfs", "fuse.davfs2",
        "fuse.onedriver", "fuse.dropbox",
    }
)  # fmt: skip

# Folder names that the desktop clients of cloud storage keep in sync (compared case-insensitively;
# a name ending in "*" matches by prefix, e.g. "OneDrive - NHS England").
CLOUD_FOLDERS = (
    "onedrive*",
    "dropbox*",
    "icloud drive",
    "icloud~*",
    "com~apple~clouddocs",
    "mobile documents",
    "google drive",
    "googledrive*",
    "my drive",
    "box sync",
    "cloudstorage",
)

_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")  # /proc/mounts writes a space as \040
DRIVE_REMOTE = 4  # GetDriveTypeW's answer for a network drive


@dataclass(frozen=True)
class Mount:
    point: PurePath
    fs_type: str
    source: str


def parse_mounts(table: str) -> list[Mount]:
    """The entries of a ``/proc/mounts`` style table (octal escapes in paths decoded)."""
    mounts = []
    for line in table.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _OCTAL_ESCAPE.sub(lambda found: chr(int(found.group(1), 8)), fields[1])
        mounts.append(Mount(PurePath(point), fields[2], fields[0]))
    return mounts


def mount_of(path: PurePath, mounts: list[Mount]) -> Mount | None:
    """The mount holding ``path``: the deepest mount point that is ``path`` or above it."""
    path = PurePath(path)
    best: Mount | None = None
    for mount in mounts:
        if (path == mount.point or mount.point in path.parents) and (
            best is None or len(mount.point.parts) >= len(best.point.parts)
        ):
            best = mount
    return best


def cloud_folder_in(path: PurePath) -> str | None:
    """The first folder of ``path`` that a cloud storage client keeps in sync, if any."""
    for part in path.parts:
        name = part.lower()
        for pattern in CLOUD_FOLDERS:
            if (pattern.endswith("*") and name.startswith(pattern[:-1])) or name == pattern:
                return part
    return None


def unsafe_reason(path: Path, *, mounts_table: str | None = None) -> str | None:
    """Why ``path`` is no place for the store, in words for the user, or ``None`` if it is fine.

    ``mounts_table`` is the text of ``/proc/mounts``; by default it is read on Linux.
    """
    resolved = path.resolve()
    cloud = cloud_folder_in(resolved)
    if cloud is not None:
        return f"it is inside the cloud-synced folder '{cloud}'"
    if mounts_table is None and sys.platform.startswith("linux") and MOUNTS_FILE.is_file():
        mounts_table = MOUNTS_FILE.read_text(encoding="utf-8", errors="replace")
    if mounts_table is not None:
        mount = mount_of(resolved, parse_mounts(mounts_table))
        if mount is not None and _is_network(mount.fs_type):
            return f"it is on a network file system ({mount.fs_type} from {mount.source})"
    if sys.platform == "win32" and _windows_remote_drive(resolved):
        return f"it is on a network drive ({resolved.drive})"
    return None


def _is_network(fs_type: str) -> bool:
    return fs_type in NETWORK_FILE_SYSTEMS or fs_type.startswith(("nfs", "smb", "cifs"))


def _windows_remote_drive(path: Path) -> bool:  # pragma: no cover - Windows only
    import ctypes

    root = path.anchor
    if root.startswith("\\\\"):
        return True  # a UNC path (\\server\share) is always remote
    windll = getattr(ctypes, "windll", None)
    if windll is None or not root:
        return False
    return bool(windll.kernel32.GetDriveTypeW(root) == DRIVE_REMOTE)


def check_location(folder: Path, *, mounts_table: str | None = None) -> None:
    """Refuse ``folder`` for the store (:class:`UnsafeLocation`) unless it is safe or overridden."""
    reason = unsafe_reason(folder, mounts_table=mounts_table)
    if reason is None or os.environ.get(OVERRIDE_VARIABLE) == "1":
        return
    raise UnsafeLocation(
        f"The profile folder {folder} is not a safe place for eqvisit's store: {reason}. "
        "SQLite can lose or corrupt data there. Choose a folder on this computer's own disk "
        f"with --profile DIR (or EQVISIT_HOME); experts can set {OVERRIDE_VARIABLE}=1 to go on."
    )
