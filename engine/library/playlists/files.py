"""Playlist files: write M3U8, PLS and XSPF with paths relative to the playlist, read M3U/M3U8,
PLS and XSPF.

Paths keep every character (spaces, unicode, quotes): M3U8 is UTF-8 text with one path a line;
PLS is an INI-like ``[playlist]`` section of ``File1=…``, ``Title1=…``, ``Length1=…`` lines;
XSPF locations are percent-encoded relative URIs. Readers resolve entries against the
playlist's folder and accept ``file://`` URIs and absolute paths too. A file whose content is a
PLS playlist is read as one whatever its extension; a ``.pls`` that is not one is refused.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from engine.atomic import atomic_write_text
from engine.errors import UserFacingError
from engine.library.storage.fspath import display

XSPF_NS = "http://xspf.org/ns/0/"
MAX_PLAYLIST_BYTES = 16 * 1024**2  # a 16 MB playlist holds ~100k entries


@dataclass
class Entry:
    """One playlist line: a path and what is known about it."""

    path: str
    title: str = ""
    artist: str = ""
    duration: float = 0.0


def relative_to(path: str | Path, folder: Path) -> str:
    """``path`` relative to ``folder`` when possible (same drive), else absolute; '/' separators."""
    try:
        rel = os.path.relpath(Path(path), folder)
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()
    return Path(rel).as_posix()


def _one_line(text: str) -> str:
    """``text`` without line breaks or other control characters (for ``#EXTINF`` labels)."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in text).strip()


def _m3u_location(path: str, folder: Path) -> str:
    """A path as an M3U8 line: relative text, or a percent-encoded ``file://`` URI when the name
    holds a line break or other control character, or bytes that are not UTF-8 (a plain line
    would split it into several entries, or not be UTF-8)."""
    rel = relative_to(path, folder)
    if _one_line(rel) == rel == rel.strip() and rel == display(rel) and not rel.startswith("#"):
        return rel
    absolute = os.path.abspath(os.path.join(folder, path))
    return "file://" + quote(os.fsencode(absolute), safe="/")


def write_m3u8(target: str | Path, entries: Sequence[Entry]) -> Path:
    """Write an extended M3U8 playlist (UTF-8) atomically; return its path."""
    target = Path(target).resolve()
    lines = ["#EXTM3U"]
    for entry in entries:
        label = _one_line(" - ".join(x for x in (entry.artist, entry.title) if x))
        lines.append(f"#EXTINF:{int(round(entry.duration)) if entry.duration else -1},"
                     f"{display(label)}")
        lines.append(_m3u_location(entry.path, target.parent))
    atomic_write_text(target, "\n".join(lines) + "\n")
    return target


def write_xspf(target: str | Path, entries: Sequence[Entry], title: str = "Segue playlist") -> Path:
    """Write an XSPF playlist with percent-encoded relative locations, atomically."""
    target = Path(target).resolve()
    ET.register_namespace("", XSPF_NS)
    root = ET.Element(f"{{{XSPF_NS}}}playlist", version="1")
    ET.SubElement(root, f"{{{XSPF_NS}}}title").text = title
    tracklist = ET.SubElement(root, f"{{{XSPF_NS}}}trackList")
    for entry in entries:
        track = ET.SubElement(tracklist, f"{{{XSPF_NS}}}track")
        ET.SubElement(track, f"{{{XSPF_NS}}}location").text = quote(
            os.fsencode(relative_to(entry.path, target.parent)), safe="/"
        )
        if entry.title:
            ET.SubElement(track, f"{{{XSPF_NS}}}title").text = _xml_text(entry.title)
        if entry.artist:
            ET.SubElement(track, f"{{{XSPF_NS}}}creator").text = _xml_text(entry.artist)
        if entry.duration:
            ET.SubElement(track, f"{{{XSPF_NS}}}duration").text = str(int(entry.duration * 1000))
    text = ET.tostring(root, encoding="unicode", xml_declaration=False)
    atomic_write_text(target, '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")
    return target


def _xml_text(text: str) -> str:
    """``text`` without characters XML cannot hold (control characters, lone surrogates)."""
    return "".join(c for c in display(text) if c in "\t\n" or unicodedata.category(c) != "Cc")


def _resolve(location: str, folder: Path) -> str:
    if location.startswith("file:"):
        return str(Path(unquote(urlparse(location).path, errors="surrogateescape")))
    path = Path(location.replace("\\", "/"))
    return str(path if path.is_absolute() else (folder / path).resolve())


def _read_capped(source: Path) -> bytes:
    """The bytes of a playlist file; refuse folders, devices and files over the size cap."""
    if not stat.S_ISREG(os.stat(source).st_mode):  # before open(): a FIFO would block it
        raise UserFacingError(f"{display(source)}: not a regular file")
    with open(source, "rb") as handle:
        raw = handle.read(MAX_PLAYLIST_BYTES + 1)
    if len(raw) > MAX_PLAYLIST_BYTES:
        raise UserFacingError(f"{display(source)}: too big for a playlist "
                              f"(over {MAX_PLAYLIST_BYTES // 1024**2} MB)")
    return raw


def read_m3u(source: str | Path) -> list[Entry]:
    """Read an M3U or M3U8 playlist (UTF-8, falling back to Latin-1 for old .m3u files)."""
    source = Path(source)
    return _parse_m3u(_text(_read_capped(source)), source)


def _parse_m3u(text: str, source: Path) -> list[Entry]:
    entries: list[Entry] = []
    pending: tuple[float, str, str] | None = None
    for line in text.split("\n"):  # not splitlines(): U+2028, \x1c... may be in names
        line = line.strip(" \t\r")
        if not line:
            continue
        if line.startswith("#EXTINF:"):
            head, _, label = line[len("#EXTINF:"):].partition(",")
            artist, sep, title = label.partition(" - ")
            if not sep:
                artist, title = "", label
            try:
                seconds = max(0.0, float(head.split()[0]))
            except (ValueError, IndexError):
                seconds = 0.0
            pending = (seconds, artist.strip(), title.strip())
            continue
        if line.startswith("#"):
            continue
        seconds, artist, title = pending or (0.0, "", "")
        entries.append(Entry(_resolve(line, source.parent), title, artist, seconds))
        pending = None
    return entries


def read_xspf(source: str | Path) -> list[Entry]:
    """Read an XSPF playlist's locations (relative ones resolved against its folder)."""
    source = Path(source)
    try:
        root = ET.fromstring(_read_capped(source))
    except ET.ParseError as exc:
        raise UserFacingError(f"{display(source)}: not a valid XSPF playlist ({exc})") from exc
    entries = []
    for track in root.iter(f"{{{XSPF_NS}}}track"):
        location = track.findtext(f"{{{XSPF_NS}}}location") or ""
        if not location:
            continue
        location = location if location.startswith("file:") else \
            unquote(location.strip(), errors="surrogateescape")
        duration = track.findtext(f"{{{XSPF_NS}}}duration")
        entries.append(Entry(
            _resolve(location, source.parent),
            track.findtext(f"{{{XSPF_NS}}}title") or "",
            track.findtext(f"{{{XSPF_NS}}}creator") or "",
            int(duration) / 1000.0 if duration and duration.isdigit() else 0.0,
        ))
    return entries


_PLS_LINE = re.compile(r"(file|title|length)(\d+)\s*=(.*)", re.IGNORECASE)
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]+://")
MAX_PLS_DIGITS = 8  # entry numbers up to 99,999,999


def _text(raw: bytes) -> str:
    """Playlist bytes as text: UTF-8 (with or without a BOM), else Latin-1."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _is_pls(text: str) -> bool:
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return first.lower() == "[playlist]"


def read_pls(source: str | Path) -> list[Entry]:
    """Read a PLS playlist: ``[playlist]`` then ``FileN=``, ``TitleN=`` and ``LengthN=`` lines.

    Entries come in the order of N; relative paths are relative to the playlist's folder; a
    ``LengthN`` of -1 means unknown; stream URLs (``http://…``) are kept as they are. A file
    without the ``[playlist]`` header is refused.
    """
    source = Path(source)
    return _parse_pls(_text(_read_capped(source)), source)


def _parse_pls(text: str, source: Path) -> list[Entry]:
    if not _is_pls(text):
        raise UserFacingError(f"{display(source)}: not a PLS playlist (no [playlist] header)")
    found: dict[int, dict[str, str]] = {}
    for line in text.split("\n")[1:]:
        match = _PLS_LINE.fullmatch(line.strip(" \t\r"))
        if match is None:  # NumberOfEntries, Version, comments, blank lines
            continue
        field, digits, value = match.group(1).lower(), match.group(2), match.group(3)
        if len(digits) <= MAX_PLS_DIGITS:
            found.setdefault(int(digits), {})[field] = value.strip()
    entries = []
    for index in sorted(found):
        item = found[index]
        location = item.get("file", "")
        if not location:
            continue
        if _URL.match(location) and not location.lower().startswith("file:"):
            path = location
        else:
            path = _resolve(location, source.parent)
        artist, sep, title = item.get("title", "").partition(" - ")
        if not sep:
            artist, title = "", artist
        try:
            seconds = max(0.0, float(item.get("length", "")))
        except ValueError:
            seconds = 0.0
        entries.append(Entry(path, title.strip(), artist.strip(),
                             seconds if seconds < float("inf") else 0.0))
    return entries


def write_pls(target: str | Path, entries: Sequence[Entry]) -> Path:
    """Write a PLS playlist (UTF-8, version 2, paths relative to it) atomically; return its path."""
    target = Path(target).resolve()
    lines = ["[playlist]"]
    for k, entry in enumerate(entries, start=1):
        lines.append(f"File{k}={_m3u_location(entry.path, target.parent)}")
        label = _one_line(" - ".join(x for x in (entry.artist, entry.title) if x))
        if label:
            lines.append(f"Title{k}={display(label)}")
        lines.append(f"Length{k}={int(round(entry.duration)) if entry.duration else -1}")
    lines += [f"NumberOfEntries={len(entries)}", "Version=2"]
    atomic_write_text(target, "\n".join(lines) + "\n")
    return target


def read_playlist(source: str | Path) -> list[Entry]:
    """Read any supported playlist: .xspf as XSPF, .pls (or PLS content) as PLS, else M3U."""
    source = Path(source)
    if source.suffix.lower() == ".xspf":
        return read_xspf(source)
    text = _text(_read_capped(source))
    if source.suffix.lower() == ".pls" or _is_pls(text):
        return _parse_pls(text, source)
    return _parse_m3u(text, source)


def write_playlist(target: str | Path, entries: Sequence[Entry]) -> Path:
    """Write by extension: ``.xspf`` → XSPF, ``.pls`` → PLS, anything else → M3U8.

    A folder as ``target``, or one that cannot be written, is a :class:`UserFacingError`
    naming it; nothing is half-written.
    """
    target = Path(target)
    if target.is_dir():
        raise UserFacingError(f"{display(target)}: is a folder; give a playlist file name "
                              "(.m3u8 or .xspf)")
    try:
        if target.suffix.lower() == ".xspf":
            return write_xspf(target, entries)
        if target.suffix.lower() == ".pls":
            return write_pls(target, entries)
        return write_m3u8(target, entries)
    except OSError as exc:
        raise UserFacingError(f"{display(target)}: cannot write the playlist "
                              f"({exc.strerror or exc})") from exc
