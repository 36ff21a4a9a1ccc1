"""Licences of the real-recordings set: which DEP-5 ``Files:`` stanza covers each installed file.

:func:`parse_copyright` reads a package's ``/usr/share/doc/PKG/copyright`` (machine-readable DEP-5,
else free-form with one package-wide licence guessed from its text); :func:`licence_for` gives one
installed file its licence and copyright (the last matching stanza wins), with
:func:`dep5_matches` mapping source-layout patterns onto installed paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Stanza:
    """One ``Files:`` paragraph of a DEP-5 copyright file."""

    patterns: tuple[str, ...]
    licence: str
    copyright: str


@dataclass(frozen=True)
class CopyrightFile:
    """A parsed copyright file: DEP-5 stanzas, or one package-wide licence if it is free-form."""

    machine_readable: bool
    stanzas: tuple[Stanza, ...]
    package_licence: str


def parse_copyright(text: str) -> CopyrightFile:
    """Parse a Debian copyright file (machine-readable DEP-5, else free-form)."""
    paras: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current:
                paras.append(current)
            current, key = {}, ""
        elif line[0] in " \t":
            if key:
                current[key] += "\n" + line.strip()
        elif (m := re.match(r"([A-Za-z][A-Za-z0-9-]*):(.*)$", line)) is not None:
            key = m.group(1).lower()
            current[key] = m.group(2).strip()
    machine = bool(paras) and "copyright-format" in paras[0].get("format", "") + paras[0].get(
        "format-specification", "")
    stanzas = tuple(
        Stanza(tuple(p["files"].split()), (p.get("license", "").splitlines() or ["unknown"])[0],
               "; ".join(x for x in p.get("copyright", "").splitlines() if x.strip(" .")))
        for p in paras if machine and "files" in p)
    return CopyrightFile(machine, stanzas, "" if machine else _guess_licence(text))


def _guess_licence(text: str) -> str:
    flat = " ".join(text.split())
    start = flat.find("License:")
    m = re.search(r"GNU (Lesser |Library )?General Public License,? (?:as published by [^,]*, )?"
                  r"version (\d+(?:\.\d+)?)([^.]*later)?", flat[max(start, 0):])
    if not m:
        return "unknown (see the copyright file)"
    name = {"Lesser ": "LGPL", "Library ": "LGPL"}.get(m.group(1) or "", "GPL")
    return f"{name}-{m.group(2)}{'+' if m.group(3) else ''}"


def dep5_matches(pattern: str, path: str) -> bool:
    """Whether a DEP-5 ``Files:`` pattern (source layout) names an installed ``path``.

    Source trees and installed trees differ (``data/music/*`` is installed as
    ``usr/share/games/supertux2/music/...``): the pattern, and the pattern without leading
    folders (while a literal folder is left), may match any tail of the installed path.
    """
    if pattern == "*":
        return True
    variants, parts = [pattern], pattern.split("/")
    while len(parts) > 2 or (len(parts) == 2 and not re.search(r"[*?]", parts[1])):
        if re.search(r"[*?]", parts[0]):
            break
        parts = parts[1:]
        variants.append("/".join(parts))
    tails = path.split("/")
    for variant in variants:
        regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                                   for c in variant))
        if any(regex.fullmatch("/".join(tails[i:])) for i in range(len(tails))):
            return True
    return False


def licence_for(cfile: CopyrightFile | None, member: str, package: str,
                tags: Mapping[str, str]) -> tuple[str, str, str]:
    """(licence, copyright, how it was found) of one installed file of ``package``."""
    where = f"/usr/share/doc/{package}/copyright"
    if cfile is None:
        return "unknown", "", f"{where} missing"
    if cfile.machine_readable:
        match = None
        for stanza in cfile.stanzas:
            for pattern in stanza.patterns:
                if dep5_matches(pattern, member):
                    match = (stanza, pattern)
        if match is None:
            return "unknown", "", f"{where}: no Files stanza matches"
        return match[0].licence, match[0].copyright, f"{where} (DEP-5), Files: {match[1]}"
    tag = f"; file tag LICENSE={tags['license']}" if tags.get("license") else ""
    return (cfile.package_licence, tags.get("copyright") or f"see {where}",
            f"{where} (free-form, one licence for the package){tag}")
