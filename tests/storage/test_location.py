"""The store refuses network file systems and cloud-synced folders (mount table injected)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from eqvisit.errors import UnsafeLocation
from eqvisit.storage.location import (
    OVERRIDE_VARIABLE,
    check_location,
    cloud_folder_in,
    mount_of,
    parse_mounts,
    unsafe_reason,
)

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
tmpfs /tmp tmpfs rw 0 0
fileserver:/export/home /mnt/home nfs4 rw,vers=4.2 0 0
//nhs-share/quality /mnt/quality\\040team cifs rw,vers=3.0 0 0
user@host:/data /mnt/remote fuse.sshfs rw 0 0
/dev/sdb1 /mnt/home/local ext4 rw 0 0
"""


@pytest.mark.parametrize(
    ("folder", "fs_type"),
    [
        ("/mnt/home/asha/eqvisit", "nfs4"),
        ("/mnt/quality team/eqvisit", "cifs"),
        ("/mnt/remote/profile", "fuse.sshfs"),
    ],
)
def test_a_network_file_system_is_refused_naming_the_path(folder: str, fs_type: str) -> None:
    with pytest.raises(UnsafeLocation) as refused:
        check_location(Path(folder), mounts_table=MOUNTS)

    message = str(refused.value)
    assert folder in message
    assert fs_type in message
    assert OVERRIDE_VARIABLE in message


@pytest.mark.parametrize("folder", ["/home/asha/eqvisit", "/tmp/p", "/mnt/home/local/eqvisit"])
def test_a_local_disk_is_accepted(folder: str) -> None:
    # /mnt/home/local is a local disk mounted inside the NFS share: the deepest mount decides.
    assert unsafe_reason(Path(folder), mounts_table=MOUNTS) is None
    check_location(Path(folder), mounts_table=MOUNTS)


@pytest.mark.parametrize(
    ("folder", "cloud"),
    [
        ("/home/asha/OneDrive - NHS England/eqvisit", "OneDrive - NHS England"),
        ("/home/asha/Dropbox/eqvisit", "Dropbox"),
        ("/Users/asha/Library/Mobile Documents/com~apple~CloudDocs/eq", "Mobile Documents"),
        ("/Users/asha/Library/CloudStorage/GoogleDrive-asha/My Drive/eq", "CloudStorage"),
        ("/home/asha/Google Drive/eqvisit", "Google Drive"),
    ],
)
def test_a_cloud_synced_folder_is_refused(folder: str, cloud: str) -> None:
    assert cloud_folder_in(PurePosixPath(folder)) == cloud
    with pytest.raises(UnsafeLocation, match="cloud-synced folder"):
        check_location(Path(folder), mounts_table=MOUNTS)


def test_experts_can_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OVERRIDE_VARIABLE, "1")

    check_location(Path("/mnt/home/asha/eqvisit"), mounts_table=MOUNTS)


def test_mount_table_parsing_decodes_spaces_and_picks_the_deepest_mount() -> None:
    mounts = parse_mounts(MOUNTS)

    assert PurePosixPath("/mnt/quality team") in [mount.point for mount in mounts]
    found = mount_of(PurePosixPath("/mnt/home/local/x"), mounts)
    assert found is not None
    assert found.fs_type == "ext4"


def test_this_machines_test_folder_is_accepted(tmp_path: Path) -> None:
    # The real /proc/mounts (on Linux): the tests' own temporary folder is on a local disk.
    check_location(tmp_path)
