"""A collection of 9/8 and 3/2 tunes imports, lists its meters and composes a 9/8 chain whose MIDI
export says 9/8 (the bundled triple-meter model indexes it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import mido

from engine.dshl import api, store
from engine.paths import assets_dir

TUNES = ("slip1", "slip2", "slip3", "playford4")  # three 9/8 slip jigs and a 3/2 tune


def test_9_8_collection_composes_and_exports_9_8(tiny_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    for name in TUNES:
        shutil.copy(assets_dir() / "nottingham" / "MIDI" / f"{name}.mid", folder)
    report = api.import_collection(folder, "odd")
    assert report.tunes == 4 and report.segments > 0 and not report.skipped
    assert store.collection_meters("odd") == ["9/8", "3/2"]
    assert api.collection_meters()["odd"] == ["9/8", "3/2"]
    chain = api.compose(api.ComposeRequest(segments=4, seed=1, key="G", meter="9/8",
                                           collection="odd"))
    assert len(chain.items) == 4 and {it.tune for it in chain.items} <= {"slip1", "slip2", "slip3"}
    notes = api.chain_notes(chain)
    assert max(n.end_beats for n in notes) <= 4 * 6.0  # four 24-step (6-beat) blocks
    path = api.write_midi(chain, tmp_path / "slip.mid")
    sigs = [(m.numerator, m.denominator) for t in mido.MidiFile(str(path)).tracks for m in t
            if m.type == "time_signature"]
    assert sigs == [(9, 8)]
