"""Print what weighs what in a built bundle: every folder (and file) over 10 MB, with why it is there.

Run by ``make package`` after the build: ``python packaging/size_report.py dist/segue``. A folder over
the threshold with no reason in :data:`REASONS`, or a bundle over :data:`BUDGET_MB`, fails the
report (exit 1), so a new heavy dependency is noticed and explained (packaging/README.md, "Weight").
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

MB = 1_000_000
#: Folders and files heavier than this are listed.
THRESHOLD_MB = 10
#: The bundle may not grow past this (issue #27: it was 1.2 GB; 891 MB before librosa came in).
BUDGET_MB = 900

#: Why each heavy folder (path inside the bundle) is needed; files get a reason where one is known.
REASONS = {
    "_internal": "PyInstaller's one-folder layout: Python, every library and Segue's assets",
    "_internal/torch": "PyTorch CPU: every model (composer hash net, lyric LSTMs, commentary CVAE and "
                       "LC-GAN, library autoencoder and spectrogram VAE), to generate and to train",
    "_internal/torch/lib": "libtorch_cpu.so (CPU kernels, oneDNN, stripped) and libtorch_python.so "
                           "(the Python binding), loaded by `import torch`",
    "_internal/torch/lib/libtorch_cpu.so": "every CPU operator torch has; one library, not splittable",
    "_internal/torch/lib/libtorch_python.so": "torch's Python binding",
    "_internal/PySide6": "Qt for the window: QtCore, QtGui, QtWidgets, QtSvg (icons), QtDBus",
    "_internal/PySide6/Qt": "Qt's libraries and the platform plugins (xcb, wayland, offscreen)",
    "_internal/PySide6/Qt/lib": "Qt Core/Gui/Widgets/Svg/DBus/XcbQpa/Wayland and ICU, which Qt Core "
                                "links for text and locales",
    "_internal/PySide6/Qt/lib/libicudata.so.73": "ICU's data (collation, locales): Qt Core needs it",
    "_internal/PySide6/Qt/lib/libQt6Gui.so.6": "Qt GUI",
    "_internal/scipy": "scipy.fft and scipy.sparse (features, commentary), scipy.special (LDA topics); "
                       "scikit-learn and librosa import scipy.linalg, .optimize, .signal, .stats",
    "_internal/scipy.libs": "OpenBLAS for scipy.linalg (scipy's own build, 32-bit indices)",
    "_internal/scipy.libs/libscipy_openblas-6cdc3b4a.so": "OpenBLAS for scipy.linalg",
    "_internal/numpy": "numpy's core (every room)",
    "_internal/numpy/_core": "numpy's array and ufunc extension (_multiarray_umath)",
    "_internal/numpy.libs": "OpenBLAS for numpy.linalg (numpy's own build, 64-bit indices)",
    "_internal/numpy.libs/libscipy_openblas64_-32a4b2a6.so": "OpenBLAS for numpy.linalg",
    "_internal/faiss": "libfaiss and its SWIG binding: the playlist index above 50k tracks "
                       "(engine/library/playlists/index.py)",
    "_internal/faiss/libfaiss.so": "faiss's IVF index",
    "_internal/faiss_cpu.libs": "the OpenBLAS (with OpenMP) that libfaiss is linked against",
    "_internal/faiss_cpu.libs/libopenblaso-r0-d77a1985.3.15.so": "faiss's OpenBLAS",
    "_internal/assets": "Segue's bundled models, Nottingham tunes, lyric texts, demo audio, "
                        "evaluation sets, icons and licence files",
    "_internal/assets/models": "the bundled models (README, 'Bundled models'): composer, lyrics, "
                               "commentary, library",
    "_internal/assets/models/lyrics": "the shared character-LSTM base and the 5 bundled writers (float16)",
    "_internal/sklearn": "MiniBatchKMeans (clusters), LDA and TF-IDF (commentary), logistic regression "
                         "and gradient boosting (the library's taggers and music rule)",
    "_internal/python3.11": "the standard library's extension modules (lib-dynload)",
    "_internal/python3.11/lib-dynload": "ssl, sqlite3, decimal, ctypes, unicodedata, ... (C modules)",
    "_internal/libpython3.11.so.1.0": "the Python interpreter (stripped)",
    "segue": "the launcher with every Python module compressed into it (PYZ archive)",
}


def tree_sizes(bundle: Path) -> tuple[dict[str, int], dict[str, int], int]:
    """Sizes on disk of every folder (with everything below it) and of every file, by relative path."""
    folders: dict[str, int] = {}
    files: dict[str, int] = {}
    count = 0
    for dirpath, _dirnames, filenames in os.walk(bundle):
        rel = Path(dirpath).relative_to(bundle)
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            size = path.stat().st_size
            count += 1
            files[(rel / name).as_posix()] = size
            parts = rel.parts
            for i in range(len(parts) + 1):
                key = "/".join(parts[:i]) or "."
                folders[key] = folders.get(key, 0) + size
    return folders, files, count


def report(bundle: Path, threshold_mb: float = THRESHOLD_MB,
           budget_mb: float = BUDGET_MB) -> tuple[str, bool]:
    """The report's text and whether the bundle passes (every heavy folder explained, within budget)."""
    folders, files, count = tree_sizes(bundle)
    total = folders.get(".", 0)
    limit = threshold_mb * MB
    heavy = {k: v for k, v in folders.items() if k != "." and v > limit}
    heavy.update({k: v for k, v in files.items() if v > limit})
    order = sorted(heavy, key=lambda k: k.split("/"))
    lines = [f"size report: {bundle} is {total / MB:.0f} MB in {count} files (budget {budget_mb:.0f} MB); "
             f"everything over {threshold_mb:g} MB:"]
    ok = True
    for key in order:
        depth = key.count("/")
        is_folder = key in folders
        reason = REASONS.get(key)
        if reason is None and is_folder:
            reason, ok = "NO REASON GIVEN: add one to packaging/size_report.py REASONS", False
        name = key.rsplit("/", 1)[-1] + ("/" if is_folder else "")
        label = f"{'  ' * depth}{name}"
        lines.append(f"  {heavy[key] / MB:7.1f} MB  {label:<44} {reason or ''}")
    if total > budget_mb * MB:
        lines.append(f"size report: FAILED: {total / MB:.0f} MB is over the {budget_mb:.0f} MB budget")
        ok = False
    elif not ok:
        lines.append("size report: FAILED: a folder over the threshold has no reason")
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    """``size_report.py BUNDLE [--threshold MB] [--budget MB]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--threshold", type=float, default=THRESHOLD_MB, help="list what is over this (MB)")
    parser.add_argument("--budget", type=float, default=BUDGET_MB, help="fail over this total (MB)")
    args = parser.parse_args(argv)
    if not args.bundle.is_dir():
        print(f"size report: no bundle at {args.bundle}", file=sys.stderr)
        return 2
    text, ok = report(args.bundle, args.threshold, args.budget)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
