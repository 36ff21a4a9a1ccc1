"""A segment corpus: every distinct segment of a collection with its tune, position and junctions.

Built from a folder of MIDI files (the bundled Nottingham tunes or a user's folder). Files that
cannot be used are listed with a reason. The corpus is what training, the index and evaluation
share; it saves to and loads from a plain ``.npz`` (no pickles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.music.midi_import import is_major, read_midi
from engine.music.segments import (
    N_FEATURES,
    STEPS,
    StepGrid,
    chord_vocabulary,
    segment_phase,
    segment_tune,
    to_grid,
)
from engine.music.tune import ImportProblem, Tune

MUSIC_SUFFIXES = (".mid", ".midi", ".abc")


@dataclass
class Corpus:
    """Distinct segments of a collection (see module docstring); arrays are aligned by segment."""

    features: np.ndarray  # (N, 16, 29) uint8
    tune: np.ndarray  # (N,) int32 index into tunes
    position: np.ndarray  # (N,) int32 hop index in the tune
    ends: np.ndarray  # (N,) bool
    phase: np.ndarray  # (N,) int8 beat in bar where the segment starts
    tunes: list[str]
    junctions: np.ndarray  # (P, 2) int32 global (segment, successor)
    overlaps: np.ndarray  # (Q, 2) int32 global (segment, segment one hop later)
    vocab: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.features)

    def subset_tunes(self, tune_ids: np.ndarray) -> np.ndarray:
        """Return the segment ids of the tunes in ``tune_ids``."""
        return np.nonzero(np.isin(self.tune, tune_ids))[0]

    def save(self, path: str | Path) -> None:
        """Write the corpus to ``path`` as a compressed npz (atomic)."""
        from engine.atomic import atomic_open

        with atomic_open(path, "wb") as handle:
            np.savez_compressed(handle, **self.to_arrays())

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Return the corpus as plain numpy arrays (features bit-packed)."""
        return {
            "features": np.packbits(self.features.reshape(len(self), -1), axis=1),
            "tune": self.tune, "position": self.position, "ends": self.ends, "phase": self.phase,
            "tunes": np.asarray(self.tunes, dtype=str), "junctions": self.junctions,
            "overlaps": self.overlaps, "vocab": np.asarray(self.vocab, dtype=str),
        }

    @classmethod
    def from_arrays(cls, arrays) -> Corpus:
        """Rebuild a corpus from :meth:`to_arrays` output (or a loaded npz)."""
        packed = arrays["features"]
        flat = np.unpackbits(packed, axis=1)[:, : STEPS * N_FEATURES]
        return cls(
            features=flat.reshape(len(packed), STEPS, N_FEATURES).astype(np.uint8),
            tune=arrays["tune"].astype(np.int32), position=arrays["position"].astype(np.int32),
            ends=arrays["ends"].astype(bool), phase=arrays["phase"].astype(np.int8),
            tunes=[str(t) for t in arrays["tunes"]], junctions=arrays["junctions"].astype(np.int32),
            overlaps=arrays["overlaps"].astype(np.int32), vocab=[str(v) for v in arrays["vocab"]],
        )


def music_files(folder: str | Path) -> list[Path]:
    """List the MIDI/ABC files under ``folder`` (recursively, sorted)."""
    root = Path(folder)
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in MUSIC_SUFFIXES)


def read_tune_file(path: Path) -> tuple[list[Tune], list[tuple[str, str]]]:
    """Read a MIDI or ABC file: (tunes, skipped tunes with reasons); ABC files may hold many."""
    if path.suffix.lower() == ".abc":
        from engine.music.abc_import import read_abc_report

        return read_abc_report(path)
    return [read_midi(path)], []


def load_grids(
    files: list[Path],
    major_only: bool = False,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> tuple[list[StepGrid], list[tuple[str, str]]]:
    """Read ``files`` into step grids; return them and the skipped (file, reason) pairs."""
    grids: list[StepGrid] = []
    skipped: list[tuple[str, str]] = []
    for number, path in enumerate(files):
        check_cancelled(cancelled)
        progress(number / max(1, len(files)), f"reading {path.name}")
        try:
            tunes, problems = read_tune_file(path)
        except ImportProblem as exc:
            skipped.append((path.name, str(exc)))
            continue
        skipped.extend(problems)
        for tune in tunes:
            label = tune.name if len(tunes) == 1 else f"{path.name}:{tune.name}"
            if major_only and not all(is_major(k) for k in tune.keys):
                skipped.append((label, f"not in a major key ({', '.join(tune.keys)})"))
                continue
            try:
                grids.append(to_grid(tune))
            except (ImportProblem, ValueError) as exc:
                skipped.append((label, str(exc)))
    return grids, skipped


def build_corpus(grids: list[StepGrid], vocab: list[str] | None = None,
                 skipped: list[tuple[str, str]] | None = None) -> Corpus:
    """Segment ``grids`` into a corpus; the chord vocabulary is learnt from them unless given."""
    vocab = list(vocab) if vocab is not None else chord_vocabulary(grids)
    skipped = list(skipped or [])
    feats, tune, pos, ends, phase, junc, over, names = [], [], [], [], [], [], [], []
    offset = 0
    for grid in grids:
        try:
            segs = segment_tune(grid, vocab)
        except ImportProblem as exc:
            skipped.append((grid.name, str(exc)))
            continue
        tune_id = len(names)
        names.append(grid.name)
        n = len(segs.features)
        feats.append(segs.features)
        tune.append(np.full(n, tune_id, dtype=np.int32))
        pos.append(segs.positions)
        ends.append(segs.ends)
        phase.append([segment_phase(int(p), grid.beats_per_bar) for p in segs.positions])
        junc.extend((a + offset, b + offset) for a, b in segs.junctions)
        over.extend((a + offset, b + offset) for a, b in segs.overlaps)
        offset += n
    if not feats:
        raise ImportProblem("no usable tune in the collection")
    return Corpus(
        features=np.concatenate(feats), tune=np.concatenate(tune),
        position=np.concatenate(pos).astype(np.int32), ends=np.concatenate(ends),
        phase=np.concatenate([np.asarray(p, dtype=np.int8) for p in phase]), tunes=names,
        junctions=np.asarray(junc, dtype=np.int32).reshape(-1, 2),
        overlaps=np.asarray(over, dtype=np.int32).reshape(-1, 2), vocab=vocab, skipped=skipped,
    )


def nottingham_corpus(folder: str | Path | None = None, progress: ProgressFn = no_progress,
                      cancelled: CancelledFn = never_cancelled) -> Corpus:
    """Build the Nottingham corpus: 2/4 and 4/4 tunes in major keys, transposed to C."""
    from engine.paths import assets_dir

    folder = Path(folder) if folder else assets_dir() / "nottingham" / "MIDI"
    grids, skipped = load_grids(music_files(folder), major_only=True, progress=progress,
                                cancelled=cancelled)
    return build_corpus(grids, skipped=skipped)
