#!/usr/bin/env python3
"""Build a folder of folk tunes of another tradition for ``segue dshl import`` and the style eval.

The tunes come from the Essen Folksong Collection as ABC, shipped in music21's corpus
(``music21/corpus/essenFolksong/``): by default the Chinese Han folk songs (``han1.abc``,
``han2.abc``), a tradition far from the Nottingham reels and jigs Segue's model was trained on.
Only 2/4 and 4/4 songs of at least ``--min-bars`` bars without tuplets are kept, in file order,
up to ``--count``; each is written as its own ``.abc`` file with an ``ATTRIBUTION.md`` and the
corpus licence notes beside them.

music21 is needed only to *find* the files, never at Segue's run time: either install it in the
venv (``.venv/bin/pip install music21``) or pass ``--wheel`` a downloaded music21 wheel
(``pip download music21 --no-deps``), which is read as a zip.

Licence: music21 is BSD-licensed; the Essen encodings are distributed with music21 by
permission of Ewa Dahlig-Turek (non-commercial distribution and use) and of Seymour Schlien (the
ABC conversion); their legal status is unclear (see the licence note copied into the folder).
Do not bundle the folder with Segue: build it locally for evaluation.

Usage::

    .venv/bin/python scripts/make_style_collection.py /tmp/han --count 120
    segue dshl import /tmp/han --name han
    segue eval dshl --collection han --json
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import zipfile
from pathlib import Path

CORPUS = "music21/corpus/essenFolksong/"
DEFAULT_FILES = ("han1.abc", "han2.abc")
METERS = ("2/4", "4/4")


def corpus_reader(wheel: str | None):
    """A function name -> text over the Essen ABC files (installed music21, or a wheel)."""
    if wheel:
        archive = zipfile.ZipFile(wheel)
        return lambda name: archive.read(CORPUS + name).decode("latin-1")
    spec = importlib.util.find_spec("music21")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        sys.exit("music21 is not installed: `.venv/bin/pip install music21`, or pass --wheel")
    root = Path(list(spec.submodule_search_locations)[0]) / "corpus" / "essenFolksong"
    return lambda name: (root / name).read_text(encoding="latin-1")


def field(chunk: str, key: str) -> str:
    """The value of header field ``key`` (e.g. ``M``) in an ABC tune, or ''."""
    match = re.search(rf"(?m)^{key}:\s*(.*)$", chunk)
    return match.group(1).strip() if match else ""


def body(chunk: str) -> str:
    """The music lines of an ABC tune (everything after its K: line)."""
    parts = re.split(r"(?m)^K:.*$", chunk, maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


def usable(chunk: str, min_bars: int) -> bool:
    """Keep 2/4 and 4/4 songs of at least ``min_bars`` bars, without tuplets or meter changes."""
    music = body(chunk)
    if field(chunk, "M") not in METERS or re.search(r"\(\d|\[M:|^M:", music, re.M):
        return False
    return music.count("|") >= min_bars


def collect(read, files: list[str], count: int, min_bars: int) -> list[tuple[str, str]]:
    """Up to ``count`` (file stem, ABC text) tunes from ``files``, in order."""
    tunes: list[tuple[str, str]] = []
    for name in files:
        text = read(name)
        for k, chunk in enumerate(re.split(r"(?m)^X:", text)[1:], start=1):
            chunk = "X:" + chunk.strip() + "\n"
            if usable(chunk, min_bars):
                tunes.append((f"{Path(name).stem}-{k:04d}", chunk))
            if len(tunes) >= count:
                return tunes
    return tunes


ATTRIBUTION = """# Essen Folksong Collection ({files})

{count} songs ({meters}, at least {min_bars} bars, no tuplets) taken in file order from the Essen
Folksong Collection ABC files shipped in music21's corpus (`{corpus}`), written one per file by
Segue's `scripts/make_style_collection.py`, unchanged.

* Original EsAC encodings: under the supervision of Helmut Schaffrath; the project taken over by
  Prof. Ewa Dahlig-Turek, who gave permission for non-commercial distribution and use of these
  files in music21 (https://www.esac-data.org).
* ABC conversion: Seymour Schlien, distributed with music21 by his permission.
* music21 is BSD-licensed; the music21 creators assume no copyright or change in licensing for
  corpus content. The legal status of the Essen database is unclear (see `LICENSE-essen.txt`).

Use: evaluation only (`segue dshl import` then `segue eval dshl --collection NAME`).
Non-commercial; not bundled with Segue.
"""


def main(argv: list[str] | None = None) -> int:
    """Write the folder; print how many tunes were written."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", help="output folder (created)")
    parser.add_argument("--count", type=int, default=120, help="tunes to write (default 120)")
    parser.add_argument("--min-bars", type=int, default=16, help="shortest song kept (bars)")
    parser.add_argument("--files", nargs="+", default=list(DEFAULT_FILES),
                        help="Essen ABC files to draw from (default: han1.abc han2.abc)")
    parser.add_argument("--wheel", help="read the corpus from this music21 wheel (.whl)")
    args = parser.parse_args(argv)
    read = corpus_reader(args.wheel)
    tunes = collect(read, args.files, args.count, args.min_bars)
    if len(tunes) < 50:
        print(f"warning: only {len(tunes)} tunes matched", file=sys.stderr)
    out = Path(args.folder)
    out.mkdir(parents=True, exist_ok=True)
    for stem, text in tunes:
        (out / f"{stem}.abc").write_text(text, encoding="utf-8")
    (out / "ATTRIBUTION.md").write_text(ATTRIBUTION.format(
        files=", ".join(args.files), count=len(tunes), meters=" and ".join(METERS),
        min_bars=args.min_bars, corpus=CORPUS), encoding="utf-8")
    for licence, target in (("license.txt", "LICENSE-essen.txt"),):
        try:
            (out / target).write_text(read(licence), encoding="utf-8")
        except (KeyError, OSError):
            pass
    print(f"wrote {len(tunes)} tunes to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
