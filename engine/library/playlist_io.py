"""Playlist files: write M3U8 and XSPF with paths relative to the playlist, read M3U/M3U8/XSPF.

Paths keep every character (spaces, unicode, quotes): M3U8 is UTF-8 text with one path a line;
XSPF locations are percent-encoded relative URIs. Readers resolve entries against the
playlist's folder and accept ``file://`` URIs and absolute paths too.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from engine.atomic import atomic_write_text

XSPF_NS = "http://xspf.org/ns/0/"


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


def write_m3u8(target: str | Path, entries: Sequence[Entry]) -> Path:
    """Write an extended M3U8 playlist (UTF-8) atomically; return its path."""
    target = Path(target).resolve()
    lines = ["#EXTM3U"]
    for entry in entries:
        label = " - ".join(x for x in (entry.artist, entry.title) if x)
        lines.append(f"#EXTINF:{int(round(entry.duration)) if entry.duration else -1},{label}")
        lines.append(relative_to(entry.path, target.parent))
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
            relative_to(entry.path, target.parent), safe="/"
        )
        if entry.title:
            ET.SubElement(track, f"{{{XSPF_NS}}}title").text = entry.title
        if entry.artist:
            ET.SubElement(track, f"{{{XSPF_NS}}}creator").text = entry.artist
        if entry.duration:
            ET.SubElement(track, f"{{{XSPF_NS}}}duration").text = str(int(entry.duration * 1000))
    text = ET.tostring(root, encoding="unicode", xml_declaration=False)
    atomic_write_text(target, '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")
    return target


def _resolve(location: str, folder: Path) -> str:
    if location.startswith("file:"):
        return str(Path(unquote(urlparse(location).path)))
    path = Path(location.replace("\\", "/"))
    return str(path if path.is_absolute() else (folder / path).resolve())


def read_m3u(source: str | Path) -> list[Entry]:
    """Read an M3U or M3U8 playlist (UTF-8, falling back to Latin-1 for old .m3u files)."""
    source = Path(source)
    raw = source.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    entries: list[Entry] = []
    pending: tuple[float, str, str] | None = None
    for line in text.splitlines():
        line = line.strip()
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
    root = ET.parse(source).getroot()
    entries = []
    for track in root.iter(f"{{{XSPF_NS}}}track"):
        location = track.findtext(f"{{{XSPF_NS}}}location") or ""
        if not location:
            continue
        location = location if location.startswith("file:") else unquote(location)
        duration = track.findtext(f"{{{XSPF_NS}}}duration")
        entries.append(Entry(
            _resolve(location, source.parent),
            track.findtext(f"{{{XSPF_NS}}}title") or "",
            track.findtext(f"{{{XSPF_NS}}}creator") or "",
            int(duration) / 1000.0 if duration and duration.isdigit() else 0.0,
        ))
    return entries


def read_playlist(source: str | Path) -> list[Entry]:
    """Read any supported playlist by extension (.m3u, .m3u8, .xspf)."""
    if Path(source).suffix.lower() == ".xspf":
        return read_xspf(source)
    return read_m3u(source)


def write_playlist(target: str | Path, entries: Sequence[Entry]) -> Path:
    """Write by extension: ``.xspf`` → XSPF, anything else → M3U8."""
    if Path(target).suffix.lower() == ".xspf":
        return write_xspf(target, entries)
    return write_m3u8(target, entries)
