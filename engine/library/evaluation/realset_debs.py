"""Debian packages for the real-recordings set: fetch a .deb, extract only its audio.

``fetch_deb`` runs ``apt-get download`` into a temporary folder beside the cache and keeps the
.deb only once its sha256 matches apt's index. ``extract_package`` streams the .deb's data archive
(``dpkg-deb --fsys-tarfile`` into :mod:`tarfile`, never unpacked to disk) and writes only the audio
members under the package's music and effects folders, each atomically, refusing a package with
a path that could leave its root; non-audio members (the copyright file, album metadata) are
read in memory only. Licences are read by :mod:`.realset_licences`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import lzma
import re
import shutil
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from engine.atomic import atomic_write_bytes, atomic_write_text
from engine.library.evaluation.realset_common import RealsetError, file_sha256

AUDIO_SUFFIXES = (".ogg", ".opus", ".flac", ".wav", ".mp3")
MAX_MEMBER_BYTES = 256 * 2**20  # an audio member is read whole: refuse absurd sizes
PROBE_BYTES = 256 * 2**10  # members up to this size are decoded first, to leave out silence
EXTRACT_VERSION = 2  # of the DEB.extracted.json records: a new version extracts again
SILENT_PEAK = 10 ** (-40 / 20)  # peak below -40 dBFS (8-bit dither is -42): silent
MIN_SECONDS = 0.1


@dataclass(frozen=True)
class PackageSpec:
    """Where a package keeps its audio: the music folder and (install prefix, label) of effects."""

    name: str
    music_dir: str
    effects: tuple[tuple[str, str], ...] = ()
    group_by_composer: bool = False  # one flat music folder: albums are the composer tags
    album_meta: str = ""  # a per-album JSON (read in memory) naming each track's title


# ---- fetching ------------------------------------------------------------------------------

def _run(cmd: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(list(cmd), capture_output=True, text=True, **kwargs)
    except FileNotFoundError as exc:
        raise RealsetError(f"{cmd[0]} not found: the real-recordings set needs Debian's apt and "
                           "dpkg (or .deb files already in the cache with --offline)") from exc
    except subprocess.TimeoutExpired as exc:
        raise RealsetError(f"{' '.join(cmd[:2])} took more than {exc.timeout:.0f} s; "
                           "check the network and run again") from exc


def _last_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E:")]
    return (errors or lines or ["no message"])[-1]


def apt_candidate(package: str) -> dict[str, str] | None:
    """apt's candidate of ``package`` (Version, Filename, SHA256, Size) or None if apt-cache can't say."""
    if shutil.which("apt-cache") is None:
        return None
    done = _run(["apt-cache", "show", "--no-all-versions", package], timeout=120)
    fields = dict(re.findall(r"^([A-Za-z0-9-]+): *(.*)$", done.stdout.split("\n\n")[0], re.M))
    if done.returncode != 0 or not {"Version", "Filename", "SHA256"} <= fields.keys():
        return None
    return fields


def _check_space(folder: Path, need: int, what: str) -> None:
    free = shutil.disk_usage(folder).free
    if free < need:
        raise RealsetError(f"not enough disk space in {folder}: {free // 2**20} MB free, about "
                           f"{need // 2**20} MB needed for {what}")


def fetch_deb(package: str, debs: Path, *, offline: bool = False, audio_present: bool = False,
              log: Callable[[str], None] = print) -> Path:
    """Return a verified .deb of ``package`` in ``debs``, downloading it with ``apt-get download``.

    A cached .deb whose sha256 matches apt's index is kept. Offline (or when apt-cache does not
    know the package) the cached ``PACKAGE_*.deb`` (the last by name) is used as is.
    """
    debs.mkdir(parents=True, exist_ok=True)
    cached = sorted(debs.glob(f"{package}_*.deb"))
    info = None if offline else apt_candidate(package)
    if info is None:
        if cached:
            return cached[-1]
        how = "--offline was given" if offline else "apt-cache does not know it (run apt-get update)"
        raise RealsetError(f"no .deb of {package} in {debs} and {how}")
    target = debs / PurePosixPath(info["Filename"]).name
    if target.is_file() and file_sha256(target) == info["SHA256"]:
        return target
    size = int(info.get("Size", "0") or 0)
    _check_space(debs, size * (1 if audio_present else 2) + 2**20, f"{package} {info['Version']}")
    if shutil.which("apt-get") is None:
        raise RealsetError("apt-get not found: downloading the real recordings needs Debian's apt "
                           f"(or put {package}_*.deb in {debs} and use --offline)")
    log(f"downloading {package} {info['Version']} ({size / 2**20:.0f} MB) ...")
    with tempfile.TemporaryDirectory(dir=debs, prefix=".partial-") as tmp:
        done = _run(["apt-get", "download", f"{package}={info['Version']}"], cwd=tmp, timeout=3600)
        got = sorted(Path(tmp).glob("*.deb"))
        if done.returncode != 0 or len(got) != 1:
            raise RealsetError(f"apt-get download {package} failed: {_last_error(done.stderr)} "
                               "(no network? run apt-get update)")
        if file_sha256(got[0]) != info["SHA256"]:
            raise RealsetError(f"{package}: the downloaded .deb does not match apt's sha256")
        got[0].replace(target)
    return target


# ---- extraction ----------------------------------------------------------------------------

def safe_member_path(name: str) -> PurePosixPath:
    """The member's path relative to the archive root; RealsetError if it could leave that root."""
    path = PurePosixPath(name)
    parts = [p for p in path.parts if p != "."]
    if path.is_absolute() or ".." in parts or "\\" in name or "\0" in name:
        raise RealsetError(f"unsafe path {name!r} in the archive; refusing the package")
    return PurePosixPath(*parts)  # the root itself ("./") is PurePosixPath(".")


def _under(path: PurePosixPath, prefix: str) -> str | None:
    rel = str(path)
    return rel[len(prefix) + 1:] if rel.startswith(prefix + "/") else None


def classify(spec: PackageSpec, path: PurePosixPath) -> tuple[str, str] | None:
    """(kind, path under the cache's package folder) of an audio member; None if not wanted."""
    if (rel := _under(path, spec.music_dir)) is not None:
        return "music", f"music/{rel}"
    for prefix, label in spec.effects:
        if (rel := _under(path, prefix)) is not None:
            return "effects", f"effects/{label}/{rel}"
    return None


def unusable(data: bytes) -> str | None:
    """Why decoded audio is no use (silent: peak below -40 dBFS; under 0.1 s), or None.

    Bytes that cannot be decoded here are kept (None): they are judged elsewhere.
    """
    import soundfile

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (RuntimeError, ValueError, TypeError):
        return None
    if len(samples) < MIN_SECONDS * rate:
        return f"shorter than {MIN_SECONDS:g} s"
    if float(np.abs(samples).max()) < SILENT_PEAK:
        return "silent (peak below -40 dBFS)"
    return None


@dataclass
class Extracted:
    """What one .deb gave: its version, audio files, the copyright text and track titles."""

    package: str
    version: str
    files: list[dict]  # member, path (relative to the cache), kind, sha256, written
    excluded: list[dict]
    elsewhere: list[str]  # audio members outside the music and effects folders (not extracted)
    copyright: str | None
    titles: dict[str, str]  # member path -> title from the album metadata


@contextlib.contextmanager
def _data_archive(deb: Path) -> Iterator[tarfile.TarFile]:
    """The .deb's data archive as a tar stream; RealsetError when it cannot be read to the end."""
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE,
                                    stderr=errors)
        except FileNotFoundError as exc:
            raise RealsetError("dpkg-deb not found: reading .deb files needs dpkg") from exc

        def invalid(why: object) -> RealsetError:
            errors.seek(0)
            said = errors.read().decode("utf-8", "replace").strip()
            return RealsetError(f"{deb}: not a valid .deb ({_last_error(said) if said else why}); "
                                "delete it and run again")

        assert proc.stdout is not None
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|*") as tar:
                yield tar
            while proc.stdout.read(2**16):  # the padding after the end-of-archive blocks
                pass
        except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError) as exc:
            proc.kill()
            proc.wait()
            raise invalid(exc) from exc
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            proc.stdout.close()
        if proc.wait() != 0:
            raise invalid(f"dpkg-deb exit status {proc.returncode}")


def extract_package(deb: Path, spec: PackageSpec, root: Path) -> Extracted:
    """Write the audio of ``spec``'s folders from ``deb`` under ``root/PACKAGE`` (only audio).

    A file already there with the member's sha256 is kept; others are written atomically.
    Silent or too short members (:func:`unusable`) are left out and listed in ``excluded``.
    """
    done = _run(["dpkg-deb", "--field", str(deb), "Version"], timeout=120)
    if done.returncode != 0 or not done.stdout.strip():
        raise RealsetError(f"{deb}: not a valid .deb ({_last_error(done.stderr)}); "
                           "delete it and run again")
    out = Extracted(spec.name, done.stdout.strip(), [], [], [], None, {})
    base = (root / spec.name).resolve()
    with _data_archive(deb) as tar:
        for member in tar:
            _take(member, tar, deb, spec, base, out)
    return out


def _take(member: tarfile.TarInfo, tar: tarfile.TarFile, deb: Path, spec: PackageSpec, base: Path,
          out: Extracted) -> None:
    """Handle one member of the data archive: keep its audio, copyright or titles; skip the rest."""
    path = safe_member_path(member.name)
    if not member.isfile():  # folders, links, devices: never extracted
        return
    if str(path) == f"usr/share/doc/{spec.name}/copyright":
        out.copyright = _read(tar, member, 4 * 2**20).decode("utf-8", "replace")
        return
    if spec.album_meta and path.name == spec.album_meta:
        _read_titles(_read(tar, member, 2**20), path.parent, out.titles)
        return
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        return
    where = classify(spec, path)
    if where is None:
        out.elsewhere.append(str(path))
        return
    dest = (base / where[1]).resolve()
    if base not in dest.parents:
        raise RealsetError(f"unsafe path {member.name!r} in {deb.name}; refusing the package")
    data = _read(tar, member, MAX_MEMBER_BYTES)
    why = unusable(data) if len(data) <= PROBE_BYTES else None
    if why:
        dest.unlink(missing_ok=True)
        out.excluded.append({"member": str(path), "package": spec.name, "reason": why})
        return
    digest = hashlib.sha256(data).hexdigest()
    written = not (dest.is_file() and file_sha256(dest) == digest)
    if written:
        atomic_write_bytes(dest, data)
    out.files.append({"member": str(path), "path": f"{spec.name}/{where[1]}", "kind": where[0],
                      "sha256": digest, "written": written})


def extract_cached(deb: Path, spec: PackageSpec, root: Path, deb_sha256: str) -> Extracted:
    """Like :func:`extract_package`, but skip reading the .deb when an earlier run extracted it.

    The earlier run's record (``DEB.extracted.json`` beside the .deb) is used only if it is for
    this very .deb (sha256) and package layout and every file it lists is there with its sha256.
    """
    state = deb.with_name(deb.name + ".extracted.json")
    layout = json.loads(json.dumps(dataclasses.asdict(spec)))
    try:
        old = json.loads(state.read_text(encoding="utf-8"))
        if (old["version_of_record"] == EXTRACT_VERSION and old["deb_sha256"] == deb_sha256
                and old["spec"] == layout
                and all(file_sha256(root / f["path"]) == f["sha256"] for f in old["files"])):
            return Extracted(spec.name, old["version"], [{**f, "written": False} for f in old["files"]],
                             old["excluded"], old["elsewhere"], old["copyright"], old["titles"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    out = extract_package(deb, spec, root)
    record = dataclasses.asdict(out)
    record["files"] = [{k: v for k, v in f.items() if k != "written"} for f in out.files]
    atomic_write_text(state, json.dumps({"version_of_record": EXTRACT_VERSION, "deb_sha256": deb_sha256,
                                         "spec": layout, **record}))
    return out


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo, limit: int) -> bytes:
    if member.size > limit:
        raise RealsetError(f"{member.name}: {member.size // 2**20} MB is too large for this set")
    handle = tar.extractfile(member)
    return handle.read() if handle else b""


def _read_titles(data: bytes, folder: PurePosixPath, titles: dict[str, str]) -> None:
    try:
        meta = json.loads(data)
        for track in meta.get("tracks", []):
            titles[str(folder / track["filename"])] = str(track["title"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return
