"""Lead sheet benchmark: MusicXML export time against the chain's playing time, and the PDF.

Run: ``python bench/leadsheet.py [--json]``. Saved chains (a project record with its notes, no
model or collection needed) of 8, 32 and 64 blocks in 4/4 and 6/8 at 110 BPM, with an 8-line duet
set to them, are written as lead sheets (:func:`engine.music.leadsheet.write_leadsheet`: the
syllables laid on the notes, the music21 score with bars, ties and chord symbols, the MusicXML).
The first export of the run is timed apart (it imports music21); then each size is timed warm,
median of several runs, and printed next to how long the chain plays (the baseline: a lead sheet
should take a small fraction of its song). Target: an export under 1 s. With MuseScore on the
PATH, the PDF of the 32-block chain is timed too (one run; MuseScore starts each time).
``--quick`` (or ``SEGUE_BENCH_QUICK=1``): 8 and 16 blocks, one warm run each (``make test`` runs
it so the script never rots; its figures mean little).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.music.chords import chord_pitches  # noqa: E402
from engine.music.leadsheet import find_musescore, write_leadsheet  # noqa: E402
from engine.music.meters import block_beats  # noqa: E402
from engine.project.leadsheet import melody_of_record, sheet_from_project  # noqa: E402
from engine.project.model import (  # noqa: E402
    Chain,
    ComposerSection,
    LyricLine,
    LyricsSection,
    Note,
    Project,
    Segment,
)

TARGET_S = 1.0
TEMPO = 110.0
DUET = ("O my luve is like a red red rose", "That's newly sprung in June",
        "O my luve is like the melody", "That's sweetly played in tune",
        "As fair art thou my bonnie lass", "So deep in luve am I",
        "And I will luve thee still my dear", "Till a' the seas gang dry")


RHYTHM = (0.5, 0.5, 1.0, 0.25, 0.25, 0.5, 1.0, 1.5, 0.5)  # quarter beats, cycled
PITCHES = (62, 64, 66, 67, 69, 71, 73, 74, 76, 74, 71)
CHORDS = ("D", "G", "A7", "Bm", "Em", "F#m")


def chain(meter: str, blocks: int) -> Chain:
    """A saved chain (its notes, as a project keeps them) of ``blocks`` blocks in ``meter``."""
    size = block_beats(meter)
    notes, now, k = [], 0.0, 0
    while now < blocks * size:
        length = min(RHYTHM[k % len(RHYTHM)], blocks * size - now)
        notes.append(Note(now, now + length, PITCHES[k % len(PITCHES)], 96, "melody"))
        now, k = now + length, k + 1
    for half in range(2 * blocks):
        start = half * size / 2
        notes += [Note(start, start + size / 2, p, 64, "chords")
                  for p in chord_pitches(CHORDS[half % len(CHORDS)])]
    return Chain(collection="bench", key="D", meter=meter, tempo=TEMPO, notes=notes,
                 segments=[Segment(id=b, tune="bench", position=b) for b in range(blocks)])


def sheet(meter: str, blocks: int):  # noqa: ANN201 - a LeadSheet
    """The lead sheet of a saved ``blocks``-block chain in ``meter`` with the duet set to it."""
    record = chain(meter, blocks)
    lyrics = LyricsSection(sung_to=melody_of_record(record).fingerprint(),
                           lines=[LyricLine("Robert Burns", text) for text in DUET])
    return sheet_from_project(Project(ComposerSection(chain=record), lyrics), "bench")


def export_time(meter: str, blocks: int, folder: Path, runs: int) -> dict:
    """Median seconds to write the lead sheet of a ``blocks``-block chain, and its playing time."""
    made = sheet(meter, blocks)
    times = []
    for run in range(runs):
        start = time.perf_counter()
        result = write_leadsheet(made, folder / f"{meter[0]}-{blocks}-{run}.musicxml")
        times.append(time.perf_counter() - start)
    plays = made.melody.period * 60.0 / TEMPO
    median = statistics.median(times)
    return {"meter": meter, "blocks": blocks, "bars": result.bars, "notes": result.notes,
            "syllables": result.syllables, "chords": result.chords, "runs": runs,
            "export_s": round(median, 3), "plays_s": round(plays, 1),
            "share_of_playing_time": round(median / plays, 4)}


def main() -> int:
    """Print lead sheet export figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="small chains, one run each")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0")
    sizes = (8, 16) if quick else (8, 32, 64)
    runs = 1 if quick else 5
    with tempfile.TemporaryDirectory(prefix="segue-bench-leadsheet-") as name:
        folder = Path(name)
        start = time.perf_counter()
        write_leadsheet(sheet("4/4", 8), folder / "first.musicxml")
        first = round(time.perf_counter() - start, 3)
        rows = [export_time(meter, blocks, folder, runs) for meter in ("4/4", "6/8")
                for blocks in sizes]
        pdf = None
        if find_musescore():
            made = sheet("4/4", sizes[-1] if quick else 32)
            start = time.perf_counter()
            write_leadsheet(made, folder / "pdf.musicxml", folder / "pdf.pdf")
            pdf = {"blocks": sizes[-1] if quick else 32,
                   "musicxml_and_pdf_s": round(time.perf_counter() - start, 3)}
    load = round(os.getloadavg()[0], 1)
    worst = max(row["export_s"] for row in rows)
    result = {"load_average": load, "first_export_s": first, "exports": rows, "pdf": pdf,
              "target_s": TARGET_S, "meets_target": worst < TARGET_S}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"lead sheet export (music21 MusicXML), load average {load}, {TEMPO:g} BPM, 8-line duet")
    print(f"first export of the run (imports music21): {first:.2f} s")
    for row in rows:
        print(f"  {row['meter']} {row['blocks']:3d} blocks ({row['bars']:3d} bars, {row['notes']:4d} "
              f"notes, {row['syllables']} syllables, {row['chords']:3d} chords): export "
              f"{row['export_s']:.3f} s vs {row['plays_s']:.0f} s of playing "
              f"({100 * row['share_of_playing_time']:.2f} %), median of {row['runs']}")
    print(f"slowest export {worst:.3f} s; target < {TARGET_S:g} s: "
          f"{'met' if result['meets_target'] else 'MISSED'}")
    if pdf is None:
        print("PDF: MuseScore not found (apt install musescore3): not timed")
    else:
        print(f"MusicXML + PDF by MuseScore ({pdf['blocks']} blocks, 4/4): "
              f"{pdf['musicxml_and_pdf_s']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
