"""Real recordings for the playlist evaluation (issue 23): Debian game soundtracks, effects, speech.

``build_realset`` downloads three Debian packages of freely licensed game music with
``apt-get download`` (into ``$SEGUE_HOME/cache/realset/debs`` by default), reads each .deb's data
archive as a stream (``dpkg-deb --fsys-tarfile`` + :mod:`tarfile`) and writes **only** the audio
members it knows (music and sound-effects folders; nothing else, never links, never a path that
leaves its root). Every file's licence and copyright come from the package's
``/usr/share/doc/PKG/copyright`` (the DEP-5 ``Files:`` stanza that matches it, last match winning;
a free-form copyright file gives one package-wide licence). Speech is synthesised offline
(:mod:`engine.library.evaluation.realset_speech`). The manifest ``realset.json`` (and ``realset.csv``) lists
every file with kind, label, album, split group, licence, source package, duration and sha256.

Labels: music is labelled by soundtrack, ``package/album`` (supertux-data: the world folder;
warzone2100-music: the album folder; wesnoth-1.16-music keeps all its music in one flat folder,
tagged with one album, so it is grouped by the composer tag). Splits (fit/selection/test,
about 50/25/25 of the soundtracks overall and within each package, seeded) keep every album on
one side, and albums sharing a file (sha256) or a title (``cave`` / ``cave_old``) are split as
one group. Reruns are idempotent: a verified .deb or file is kept, everything is written
atomically. Fetching and extraction live in :mod:`engine.library.evaluation.realset_debs`, licences
in :mod:`.realset_licences`, the error, hashes and the split rule in :mod:`.realset_common`.
"""

from __future__ import annotations

import argparse
import csv
import errno
import io
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath

from engine import paths
from engine.atomic import atomic_write_text
from engine.errors import UserFacingError
from engine.library.evaluation import realset_speech
from engine.library.evaluation.realset_common import SHARES, SPLITS, RealsetError, file_sha256, split_groups
from engine.library.evaluation.realset_debs import (
    AUDIO_SUFFIXES,
    Extracted,
    PackageSpec,
    extract_cached,
    fetch_deb,
)
from engine.library.evaluation.realset_licences import licence_for, parse_copyright

__all__ = ["PACKAGES", "build_realset", "main"]

SEED = 23
TOP_LEVEL = "(top level)"
MANIFEST = "realset.json"
FIELDS = ("path", "kind", "label", "album", "group", "split", "licence", "copyright",
          "licence_source", "package", "version", "duration", "sha256", "title", "origin")
_VERSION_WORDS = {"old", "new", "enhanced", "remix", "remastered", "version", "the"}

PACKAGES: tuple[PackageSpec, ...] = (
    PackageSpec("supertux-data", "usr/share/games/supertux2/music",
                effects=(("usr/share/games/supertux2/sounds", "sounds"),
                         ("usr/share/games/supertux2/speech", "voices"))),
    PackageSpec("wesnoth-1.16-music", "usr/share/games/wesnoth/1.16/data/core/music",
                group_by_composer=True),
    PackageSpec("warzone2100-music", "usr/share/games/warzone2100/music", album_meta="album.json"),
)


def default_cache() -> Path:
    """The default cache folder: ``$SEGUE_HOME/cache/realset``."""
    return paths.segue_home() / "cache" / "realset"


# ---- labels, groups, splits ------------------------------------------------------------------

def read_audio(path: Path) -> tuple[float, dict[str, str]]:
    """(duration in seconds, lower-case Vorbis-comment tags) of an audio file."""
    import mutagen
    import soundfile

    try:
        audio = mutagen.File(path)
    except Exception:  # mutagen raises many types on odd files; fall back below
        audio = None
    tags: dict[str, str] = {}
    as_dict = getattr(getattr(audio, "tags", None), "as_dict", None)
    if as_dict:
        tags = {k.lower(): str(v[0]) for k, v in as_dict().items() if v}
    length = getattr(getattr(audio, "info", None), "length", None)
    if not length:
        try:
            length = soundfile.info(str(path)).duration
        except (RuntimeError, ValueError):
            length = 0.0
    return float(length), tags


def title_keys(*titles: str) -> set[str]:
    """Normalised titles: lower-case words and numbers without version words (old, remix...)."""
    keys = set()
    for title in titles:
        words = [w for w in re.findall(r"[a-z]+|\d+", title.lower()) if w not in _VERSION_WORDS]
        if words:
            keys.add(" ".join(words))
    return keys


def assign_groups(entries: list[dict], seed: int) -> None:
    """Set ``group`` and ``split`` of music and effect entries (albums sharing audio or a title join)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    seen: dict[tuple[str, str], str] = {}
    for e in entries:
        node = e["label"] if e["kind"] == "music" else f"{e['label']}/{e['album']}"
        e["_node"] = node
        find(node)
        for key in {e["sha256"]} | title_keys(e["title"], PurePosixPath(e["path"]).stem):
            other = seen.setdefault((e["kind"], key), node)
            parent[find(other)] = find(node)
    members: dict[str, set[str]] = {}
    for e in entries:
        members.setdefault(find(e["_node"]), set()).add(e["_node"])
    names = {root: " + ".join(sorted(nodes)) for root, nodes in members.items()}
    sizes: dict[str, float] = {}
    strata: dict[str, str] = {}
    for e in entries:
        group = names[find(e["_node"])]
        e["group"] = group
        sizes[group] = len(members[find(e["_node"])]) if e["kind"] == "music" else (
            sizes.get(group, 0) + 1)
        strata[group] = f"{e['kind']}:{e['package'] if e['kind'] == 'music' else e['label']}"
    splits: dict[str, str] = {}
    for kind in sorted({e["kind"] for e in entries}):  # music by soundtracks, effects by files
        mine = {g for g, stratum in strata.items() if stratum.startswith(f"{kind}:")}
        splits.update(split_groups({g: sizes[g] for g in mine}, {g: strata[g] for g in mine}, seed))
    for e in entries:
        del e["_node"]
        e["split"] = splits[e["group"]]


def label_entries(ex: Extracted, spec: PackageSpec, root: Path) -> list[dict]:
    """Manifest entries (without split) for one package's extracted files."""
    cfile = parse_copyright(ex.copyright) if ex.copyright is not None else None
    entries = []
    for f in ex.files:
        duration, tags = read_audio(root / f["path"])
        member = PurePosixPath(f["member"])
        title = ex.titles.get(f["member"]) or tags.get("title") or member.stem
        if f["kind"] == "music":
            folder = PurePosixPath(f["path"]).parent
            album = folder.name if str(folder) != f"{spec.name}/music" else TOP_LEVEL
            if spec.group_by_composer:
                album = tags.get("composer") or tags.get("artist") or "(untagged)"
            label = f"{spec.name}/{album}"
        else:
            label = f"{spec.name}/{PurePosixPath(f['path']).parts[2]}"
            album = (re.match(r"[a-z]*", member.stem.lower()) or [""])[0] or member.stem
        licence, holder, how = licence_for(cfile, f["member"], spec.name, tags)
        entries.append({"path": f"audio/{f['path']}", "kind": f["kind"], "label": label,
                        "album": album, "group": "", "split": "", "licence": licence,
                        "copyright": holder, "licence_source": how, "package": spec.name,
                        "version": ex.version, "duration": round(duration, 3),
                        "sha256": f["sha256"], "title": title, "origin": f["member"]})
    return entries


# ---- the build -------------------------------------------------------------------------------

def _clean_partials(cache: Path) -> None:
    """Remove what a killed run may have left: ``.partial-*`` download folders, ``.*.tmp`` files."""
    import shutil

    for leftover in sorted((cache / "debs").glob(".partial-*")):
        shutil.rmtree(leftover, ignore_errors=True)
    found = [*(cache / "audio").rglob(".*.tmp"), *(cache / "speech").rglob(".*.tmp")]
    for folder in (cache, cache / "debs", cache / "licences"):  # only Segue's own folders
        found.extend(folder.glob(".*.tmp"))
    for tmp in found:
        tmp.unlink(missing_ok=True)


def _remove_stale(folder: Path, keep: set[Path]) -> None:
    """Delete audio files under ``folder`` that the new manifest does not list (an older layout)."""
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file() and path not in keep:
            path.unlink()


def _previous(cache: Path) -> dict[str, dict]:
    try:
        old = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))
        return {e["path"]: e for e in old.get("files", []) if isinstance(e, dict) and "path" in e}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def build_realset(cache: Path | None = None, *, packages: Sequence[PackageSpec] | None = None,
                  seed: int = SEED, offline: bool = False, speech: bool = True,
                  log: Callable[[str], None] = print) -> dict:
    """Fetch, extract, label, split and synthesise the set into ``cache``; write and return the manifest.

    ``packages`` defaults to :data:`PACKAGES`; ``offline`` uses only .deb files already in
    ``cache/debs``; ``speech`` False leaves the synthesised speech out.
    """
    cache = Path(cache) if cache is not None else default_cache()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RealsetError(f"{cache}: cannot create the cache folder ({exc.strerror or exc})") from exc
    _clean_partials(cache)
    entries: list[dict] = []
    described: list[dict] = []
    excluded: list[dict] = []
    written = 0
    for spec in PACKAGES if packages is None else packages:
        present = any((cache / "audio" / spec.name).rglob("*.*"))
        deb = fetch_deb(spec.name, cache / "debs", offline=offline, audio_present=present, log=log)
        deb_sha256 = file_sha256(deb)
        ex = extract_cached(deb, spec, cache / "audio", deb_sha256)
        _remove_stale(cache / "audio" / spec.name, {cache / "audio" / f["path"] for f in ex.files})
        written += sum(f["written"] for f in ex.files)
        if ex.copyright is not None:
            atomic_write_text_if_changed(cache / "licences" / f"{spec.name}.copyright", ex.copyright)
        cfile = parse_copyright(ex.copyright) if ex.copyright is not None else None
        described.append({"name": spec.name, "version": ex.version, "deb": f"debs/{deb.name}",
                          "deb_sha256": deb_sha256,
                          "copyright": f"licences/{spec.name}.copyright" if cfile else None,
                          "copyright_format": "DEP-5" if cfile and cfile.machine_readable
                          else "free-form" if cfile else "missing",
                          "audio_not_extracted": sorted(ex.elsewhere)})
        excluded.extend(ex.excluded)
        entries.extend(label_entries(ex, spec, cache / "audio"))
        log(f"{spec.name} {ex.version}: {len(ex.files)} audio files "
            f"({sum(f['written'] for f in ex.files)} written, {len(ex.excluded)} left out)")
    assign_groups(entries, seed)
    warnings: list[str] = []
    speakers: list[dict] = []
    if speech:
        clips, speakers, warnings = realset_speech.build_speech(cache, seed, _previous(cache), log=log)
        entries.extend(clips)
    _remove_stale(cache / "speech", {cache / e["path"] for e in entries if e["kind"] == "speech"})
    entries.sort(key=lambda e: e["path"])
    manifest = {"format": 1, "seed": seed, "splits": dict(SHARES), "packages": described,
                "speakers": speakers, "excluded": sorted(excluded, key=lambda x: x["member"]),
                "warnings": warnings, "files": entries}
    manifest["summary"] = summarise(entries)
    atomic_write_text_if_changed(cache / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False)
                                 + "\n")
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(entries)
    atomic_write_text_if_changed(cache / "realset.csv", table.getvalue())
    manifest["written"] = written
    return manifest


def atomic_write_text_if_changed(path: Path, text: str) -> None:
    """Write ``text`` atomically unless ``path`` already holds exactly it (reruns touch nothing)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(path, text)


def summarise(entries: Sequence[Mapping]) -> dict[str, dict]:
    """Per split: music files, minutes and soundtracks; effects and speech files and minutes."""
    out: dict[str, dict] = {}
    for split in (*SPLITS, "all"):
        rows = [e for e in entries if split in ("all", e["split"])]
        kinds = {k: [e for e in rows if e["kind"] == k] for k in ("music", "effects", "speech")}
        out[split] = {
            "music_files": len(kinds["music"]),
            "music_minutes": round(sum(e["duration"] for e in kinds["music"]) / 60, 1),
            "soundtracks": sorted({e["label"] for e in kinds["music"]}),
            "effects_files": len(kinds["effects"]),
            "effects_minutes": round(sum(e["duration"] for e in kinds["effects"]) / 60, 1),
            "speech_files": len(kinds["speech"]),
            "speech_minutes": round(sum(e["duration"] for e in kinds["speech"]) / 60, 1),
            "speakers": len({e["label"] for e in kinds["speech"]}),
        }
    return out


def summary_table(manifest: Mapping) -> str:
    """The manifest's summary as a plain-text table, with the soundtracks of each split."""
    head = (f"{'split':<10} {'music':>6} {'minutes':>8} {'soundtracks':>11} {'effects':>8} "
            f"{'minutes':>8} {'speech':>7} {'minutes':>8} {'speakers':>8}")
    lines = [head, "-" * len(head)]
    summary = manifest["summary"]
    for split, s in summary.items():
        lines.append(f"{split:<10} {s['music_files']:>6} {s['music_minutes']:>8} "
                     f"{len(s['soundtracks']):>11} {s['effects_files']:>8} {s['effects_minutes']:>8} "
                     f"{s['speech_files']:>7} {s['speech_minutes']:>8} {s['speakers']:>8}")
    for split in SPLITS:
        lines.append(f"{split}: " + ", ".join(summary[split]["soundtracks"]))
    lines.extend(f"warning: {w}" for w in manifest.get("warnings", []))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, prog: str = "segue eval playlist --fetch") -> int:
    """Command line: build the set, print the summary; one line and exit 2 on a user-facing error."""
    parser = argparse.ArgumentParser(prog=prog, description="Download the Debian game soundtracks, "
                                     "extract their audio, synthesise speech and write realset.json.")
    parser.add_argument("--cache", type=Path, default=None,
                        help=f"cache folder (default {default_cache()})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"split seed (default {SEED})")
    parser.add_argument("--offline", action="store_true",
                        help="use only the .deb files already in CACHE/debs")
    parser.add_argument("--no-speech", action="store_true", help="do not synthesise speech")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    log = (lambda message: None) if args.quiet else (lambda message: print(message, flush=True))
    try:
        manifest = build_realset(args.cache, seed=args.seed, offline=args.offline,
                                 speech=not args.no_speech, log=log)
    except UserFacingError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        why = "no space left on the device" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{prog}: error: {where}{why}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; nothing is half-written, run again to resume", file=sys.stderr)
        return 130
    print(summary_table(manifest))
    return 0
