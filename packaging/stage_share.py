"""Lay out a bundle's desktop files: ``share/`` (entry, metainfo, MIME, icons) and the install scripts.

Run by ``make package`` after PyInstaller: ``python packaging/stage_share.py dist/segue``. The icon
PNGs (16–512 px) are rendered from ``assets/icons/segue.svg`` with Qt's ``QSvgRenderer``, so they are
never stale and never committed. Also writes the third-party licence notice into the bundle.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
APP_ID = "org.segue.Segue"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
SCRIPTS = ("install-desktop.sh", "uninstall-desktop.sh")


def render_icons(svg: Path, hicolor: Path, sizes: tuple[int, ...] = ICON_SIZES) -> list[Path]:
    """Render ``svg`` to ``hicolor/NxN/apps/<id>.png`` for each size; copy it as the scalable icon."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - painting needs one
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"stage_share: cannot render {svg}")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        out = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out), "PNG"):
            raise SystemExit(f"stage_share: cannot write {out}")
        written.append(out)
    scalable = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    return [*written, scalable]


def stage(bundle: Path) -> list[Path]:
    """Write ``share/`` and the install/uninstall scripts into ``bundle``; return the files written."""
    share = bundle / "share"
    files = {
        HERE / f"{APP_ID}.desktop": share / "applications" / f"{APP_ID}.desktop",
        HERE / f"{APP_ID}.metainfo.xml": share / "metainfo" / f"{APP_ID}.metainfo.xml",
        HERE / f"{APP_ID}.mime.xml": share / "mime" / "packages" / f"{APP_ID}.xml",
    }
    files.update({HERE / name: bundle / name for name in SCRIPTS})
    written = []
    for src, dest in files.items():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
        written.append(dest)
    written += render_icons(ROOT / "assets" / "icons" / "segue.svg", share / "icons" / "hicolor")
    return written


def write_licence_notice(internal: Path) -> list[Path]:
    """Write the third-party notice and the LGPL-3.0 text next to the bundled LICENSE."""
    sys.path.insert(0, str(HERE))
    import bundle_layout

    notice = internal / "THIRD-PARTY-LICENSES.md"
    bundled = {p.name for p in internal.glob("*.dist-info")}
    notice.write_text(bundle_layout.third_party_notice(bundled=bundled), encoding="utf-8")
    lgpl = internal / "LICENSE.LGPL-3.0.txt"
    shutil.copyfile(HERE / "licences" / "LGPL-3.0.txt", lgpl)
    return [notice, lgpl]


def main(argv: list[str]) -> int:
    """Stage the bundle folder named on the command line."""
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: stage_share.py BUNDLE_DIR (an existing folder)", file=sys.stderr)
        return 2
    bundle = Path(argv[0])
    written = stage(bundle)
    internal = bundle / "_internal"
    if internal.is_dir():
        written += write_licence_notice(internal)
    print(f"stage_share: {len(written)} files written into {bundle}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
