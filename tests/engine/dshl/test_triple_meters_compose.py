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


def test_the_phase_cue_expects_a_9_8_successor_to_move_on_the_cycle() -> None:
    """In 9/8 a successor starts 6 quarter beats later in the two-bar cycle (0 -> 6 -> 3), so the
    re-ranker's "successor on the expected phase" cue must not ask for the same phase; in every
    other meter the expected phase is the segment's own."""
    import numpy as np

    from engine.dshl.corpus import build_corpus, load_grids
    from engine.dshl.search import successor_phase

    files = [assets_dir() / "nottingham" / "MIDI" / f"{name}.mid"
             for name in ("slip1", "slip2", "playford4", "jigs1", "waltzes1")]
    corpus = build_corpus(*load_grids(files, family="triple"))
    expected = successor_phase(corpus)
    a, b = corpus.junctions[:, 0], corpus.junctions[:, 1]
    meter = np.asarray(corpus.meters)[corpus.tune]
    assert set(meter) >= {"9/8", "3/2", "6/8", "3/4"}
    assert np.array_equal(expected[a], corpus.phase[b])  # every real junction, every meter
    nine = meter[a] == "9/8"
    assert nine.any() and not np.any(corpus.phase[a][nine] == corpus.phase[b][nine])
    assert np.array_equal(expected[meter != "9/8"], corpus.phase[meter != "9/8"])


def test_composed_chains_keep_their_bar_lines(tiny_model: Path, tmp_path: Path) -> None:
    """Every drawn segment starts on the phase a real successor would: a 9/8 chain walks the
    two-bar cycle 0 -> 6 -> 3 -> 0 and never lands half a bar off."""
    import numpy as np

    from engine.dshl.search import successor_phase

    folder = tmp_path / "odd"
    folder.mkdir()
    for name in TUNES:
        shutil.copy(assets_dir() / "nottingham" / "MIDI" / f"{name}.mid", folder)
    api.import_collection(folder, "odd")
    col = store.load_collection("odd", "triple")
    nxt = successor_phase(col.corpus)
    assert len(set(col.corpus.phase[np.asarray(col.corpus.segment_meter()) == "9/8"])) == 3
    for seed in range(4):
        chain = api.compose(api.ComposeRequest(segments=6, seed=seed, meter="9/8",
                                               collection="odd"))
        ids = [it.id for it in chain.items]
        assert col.corpus.phase[ids[0]] == 0
        assert all(col.corpus.phase[b] == nxt[a] for a, b in zip(ids[:-1], ids[1:], strict=True)), ids
