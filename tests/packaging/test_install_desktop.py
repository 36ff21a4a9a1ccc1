"""install-desktop then uninstall-desktop, for real, into a temporary XDG_DATA_HOME.

A tiny fake bundle (a shell-script `segue`, an `_internal/` file and a symlink) stands in for the
PyInstaller build; `share/` is laid out by the same stage_share.py that `make package` runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
sys.path.insert(0, str(PACKAGING))

import stage_share  # noqa: E402


@pytest.fixture(scope="module")
def bundle(qapp, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundle") / "segue"
    (root / "_internal" / "assets").mkdir(parents=True)
    (root / "_internal" / "assets" / "CREDITS.md").write_text("# Credits\n")
    (root / "_internal" / "libfake.so.1").write_bytes(b"\x7fELF")
    (root / "_internal" / "libfake.so").symlink_to("libfake.so.1")
    exe = root / "segue"
    exe.write_text("#!/bin/sh\necho segue 0.1.0\n")
    exe.chmod(0o755)
    stage_share.stage(root)
    return root


def run(script: str, xdg: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_DATA_HOME": str(xdg), "HOME": str(xdg.parent / "home")}
    return subprocess.run(["bash", str(PACKAGING / script), *args], env=env, capture_output=True,
                          text=True, timeout=120, check=True)


def everything(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_icons_are_rendered_at_every_size(bundle: Path):
    hicolor = bundle / "share" / "icons" / "hicolor"
    for size in stage_share.ICON_SIZES:
        image = QImage(str(hicolor / f"{size}x{size}" / "apps" / "org.segue.Segue.png"))
        assert (image.width(), image.height()) == (size, size)
        centre = image.pixelColor(size // 2, size // 2)
        assert centre.alpha() == 255, f"{size}px icon is blank in the middle"
    assert (hicolor / "scalable" / "apps" / "org.segue.Segue.svg").is_file()


def test_install_then_uninstall_leaves_nothing_behind(bundle: Path, tmp_path: Path):
    xdg = tmp_path / "xdg"
    run("install-desktop.sh", xdg, str(bundle))
    app = xdg / "org.segue.Segue"
    entry = (xdg / "applications" / "org.segue.Segue.desktop").read_text(encoding="utf-8")
    assert f"Exec={app}/segue gui" in entry and f"TryExec={app}/segue" in entry
    assert subprocess.run([str(app / "segue")], capture_output=True, text=True).stdout == "segue 0.1.0\n"
    assert (app / "_internal" / "libfake.so").is_symlink()
    assert (xdg / "metainfo" / "org.segue.Segue.metainfo.xml").is_file()
    assert (xdg / "mime" / "packages" / "org.segue.Segue.xml").is_file()
    for size in stage_share.ICON_SIZES:
        assert (xdg / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "org.segue.Segue.png").is_file()
    manifest = (app / "install-manifest.txt").read_text(encoding="utf-8").splitlines()
    assert f"file {xdg}/applications/org.segue.Segue.desktop" in manifest
    if shutil.which("desktop-file-validate"):
        installed = xdg / "applications" / "org.segue.Segue.desktop"
        check = subprocess.run(["desktop-file-validate", str(installed)], capture_output=True, text=True)
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout
    if shutil.which("update-mime-database"):
        assert (xdg / "mime" / "application" / "x-segue-project.xml").is_file()

    run("install-desktop.sh", xdg, str(bundle))  # a reinstall replaces the first copy cleanly
    run("uninstall-desktop.sh", xdg)
    assert everything(xdg) == []


def test_uninstall_keeps_what_others_installed(bundle: Path, tmp_path: Path):
    xdg = tmp_path / "xdg"
    other = xdg / "applications" / "other.desktop"
    other.parent.mkdir(parents=True)
    other.write_text("[Desktop Entry]\nType=Application\nName=Other\nExec=other\n")
    icon = xdg / "icons" / "hicolor" / "48x48" / "apps" / "other.png"
    icon.parent.mkdir(parents=True)
    icon.write_bytes(b"png")
    before = everything(xdg)
    run("install-desktop.sh", xdg, str(bundle))
    run("uninstall-desktop.sh", xdg)
    left = [p for p in everything(xdg) if p != "applications/mimeinfo.cache"]
    assert left == before


def test_install_refuses_a_folder_that_is_not_a_bundle(tmp_path: Path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    result = subprocess.run(["bash", str(PACKAGING / "install-desktop.sh"), str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "not a Segue bundle" in result.stderr
    assert not (tmp_path / "xdg").exists()
