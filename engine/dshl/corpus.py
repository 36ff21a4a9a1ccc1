"""A segment corpus: every distinct segment of a collection with its tune, position and junctions.

Built from a folder of MIDI/ABC files (the bundled Nottingham tunes or a user's folder). A corpus
holds one meter family (``duple``: 2/4, 4/4, 2/2 in 16-step segments; ``triple``: 3/4, 6/8,
9/8, 3/2, 6/4 in 24-step segments) and records each tune's meter and mode, so a chain never
mixes meters. Files
that cannot be used are listed with a reason. The corpus is what training, the index and
evaluation share; it saves to and loads from a plain ``.npz`` (no pickles).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.music.midi_import import read_midi
from engine.music.segments import (
    FAMILIES,
    N_FEATURES,
    StepGrid,
    chord_vocabulary,
    meter_family,
    segment_tune,
    to_grid,
)
from engine.music.tune import ImportProblem, Tune

MUSIC_SUFFIXES = (".mid", ".midi", ".abc")


@dataclass
class Corpus:
    """Distinct segments of a collection (see module docstring); arrays are aligned by segment."""

    features: np.ndarray  # (N, steps, 29) uint8
    tune: np.ndarray  # (N,) int32 index into tunes
    position: np.ndarray  # (N,) int32 hop slot of the first occurrence in the tune
    ends: np.ndarray  # (N,) bool
    phase: np.ndarray  # (N,) int8 beat in bar where the segment starts
    tunes: list[str]
    junctions: np.ndarray  # (P, 2) int32 global (segment, successor)
    overlaps: np.ndarray  # (Q, 2) int32 global (segment, segment one hop later)
    vocab: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    meters: list[str] = field(default_factory=list)  # per tune, e.g. "6/8"
    modes: list[str] = field(default_factory=list)  # per tune, "major" / "minor"
    sequence: np.ndarray | None = None  # (M,) global segment id per hop slot, -1 = dropped
    sequence_tune: np.ndarray | None = None  # (M,) tune of each slot
    family: str = "duple"
    dropped: dict[str, int] = field(default_factory=dict)  # windows dropped, by what was found

    def __post_init__(self) -> None:
        self._masks: dict[tuple[str | None, str | None], np.ndarray] = {}
        n = len(self.tunes)
        if not self.meters:
            self.meters = ["4/4"] * n
        if not self.modes:
            self.modes = ["major"] * n
        if self.sequence is None:
            self.sequence = np.zeros(0, dtype=np.int32)
            self.sequence_tune = np.zeros(0, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.features)

    @property
    def steps(self) -> int:
        """Steps per segment."""
        return int(self.features.shape[1])

    def subset_tunes(self, tune_ids: np.ndarray) -> np.ndarray:
        """Return the segment ids of the tunes in ``tune_ids``."""
        return np.nonzero(np.isin(self.tune, tune_ids))[0]

    def segment_meter(self) -> np.ndarray:
        """Meter name of every segment (N,) (str)."""
        return np.asarray(self.meters, dtype=str)[self.tune]

    def segment_mode(self) -> np.ndarray:
        """Mode name of every segment (N,) (str)."""
        return np.asarray(self.modes, dtype=str)[self.tune]

    def mask(self, meter: str | None = None, mode: str | None = None) -> np.ndarray:
        """Boolean mask of the segments of tunes in ``meter`` (2/4 and 4/4 chain together as
        duple 4-beat segments; 2/2 too) and ``mode`` (None = any)."""
        cached = self._masks.get((meter, mode))
        if cached is not None:
            return cached.copy()
        keep = np.ones(len(self.tunes), dtype=bool)
        if meter is not None:
            keep &= np.isin(np.asarray(self.meters, dtype=str), list(chain_meters(meter)))
        if mode is not None:
            keep &= np.asarray(self.modes, dtype=str) == mode
        self._masks[(meter, mode)] = keep[self.tune]
        return self._masks[(meter, mode)].copy()

    def save(self, path: str | Path) -> None:
        """Write the corpus to ``path`` as a compressed npz (atomic)."""
        from engine.atomic import atomic_open

        with atomic_open(path, "wb") as handle:
            np.savez_compressed(handle, **self.to_arrays())

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Return the corpus as plain numpy arrays (features bit-packed)."""
        return {
            "features": np.packbits(self.features.reshape(len(self), -1), axis=1),
            "steps": np.asarray(self.steps), "family": np.asarray(self.family),
            "tune": self.tune, "position": self.position, "ends": self.ends, "phase": self.phase,
            "tunes": np.asarray(self.tunes, dtype=str), "junctions": self.junctions,
            "overlaps": self.overlaps, "vocab": np.asarray(self.vocab, dtype=str),
            "meters": np.asarray(self.meters, dtype=str), "modes": np.asarray(self.modes, dtype=str),
            "sequence": self.sequence, "sequence_tune": self.sequence_tune,
        }

    @classmethod
    def from_arrays(cls, arrays) -> Corpus:
        """Rebuild a corpus from :meth:`to_arrays` output (or a loaded npz)."""
        packed = arrays["features"]
        keys = set(arrays.keys()) if hasattr(arrays, "keys") else set(arrays.files)
        steps = int(arrays["steps"]) if "steps" in keys else 16
        flat = np.unpackbits(packed, axis=1)[:, : steps * N_FEATURES]
        optional = {name: [str(v) for v in arrays[name]] for name in ("meters", "modes")
                    if name in keys}
        extra = {name: arrays[name].astype(np.int32) for name in ("sequence", "sequence_tune")
                 if name in keys}
        return cls(
            features=flat.reshape(len(packed), steps, N_FEATURES).astype(np.uint8),
            tune=arrays["tune"].astype(np.int32), position=arrays["position"].astype(np.int32),
            ends=arrays["ends"].astype(bool), phase=arrays["phase"].astype(np.int8),
            tunes=[str(t) for t in arrays["tunes"]], junctions=arrays["junctions"].astype(np.int32),
            overlaps=arrays["overlaps"].astype(np.int32), vocab=[str(v) for v in arrays["vocab"]],
            family=str(arrays["family"]) if "family" in keys else "duple", **optional, **extra,
        )


def chain_meters(meter: str) -> tuple[str, ...]:
    """Meters whose segments may share a chain with ``meter``: 4-beat duple segments sound the
    same in 2/4, 4/4 and 2/2; the triple meters (3/4, 6/8, 9/8, 3/2, 6/4) never mix."""
    return ("2/4", "4/4", "2/2") if meter in ("2/4", "4/4", "2/2") else (meter,)


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
    family: str | None = None,
) -> tuple[list[StepGrid], list[tuple[str, str]]]:
    """Read ``files`` into step grids; return them and the skipped (file, reason) pairs.

    With ``family`` set, tunes of another meter family are skipped (with that reason).
    """
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
            if major_only and tune.mode != "major":
                skipped.append((label, f"not in a major key ({', '.join(tune.keys)})"))
                continue
            try:
                if family is not None and meter_family(tune.meter) != family:
                    skipped.append((label, f"meter {tune.meter} belongs to the "
                                           f"{meter_family(tune.meter)} collection"))
                    continue
                grids.append(to_grid(tune))
            except (ImportProblem, ValueError) as exc:
                skipped.append((label, str(exc)))
    return grids, skipped


def build_corpus(grids: list[StepGrid], vocab: list[str] | None = None,
                 skipped: list[tuple[str, str]] | None = None) -> Corpus:
    """Segment ``grids`` (one meter family) into a corpus; the chord vocabulary is learnt from
    them unless given (training passes the vocabulary of its training tunes only)."""
    vocab = list(vocab) if vocab is not None else chord_vocabulary(grids)
    skipped = list(skipped or [])
    families = {meter_family(g.meter) for g in grids}
    if len(families) > 1:
        raise ImportProblem(f"one corpus holds one meter family, not {sorted(families)}")
    family = families.pop() if families else "duple"
    feats, tune, pos, ends, phase, junc, over, names = [], [], [], [], [], [], [], []
    meters, modes, seq, seq_tune = [], [], [], []
    dropped: Counter = Counter()
    offset = 0
    for grid in grids:
        try:
            segs = segment_tune(grid, vocab)
        except ImportProblem as exc:
            skipped.append((grid.name, str(exc)))
            continue
        tune_id = len(names)
        names.append(grid.name)
        meters.append(grid.meter)
        modes.append(grid.mode)
        dropped.update(segs.dropped)
        n = len(segs.features)
        feats.append(segs.features)
        tune.append(np.full(n, tune_id, dtype=np.int32))
        pos.append(segs.positions)
        ends.append(segs.ends)
        phase.append(segs.phases)
        junc.extend((a + offset, b + offset) for a, b in segs.junctions)
        over.extend((a + offset, b + offset) for a, b in segs.overlaps)
        seq.extend(o + offset if o >= 0 else -1 for o in segs.occurrence)
        seq_tune.extend([tune_id] * len(segs.occurrence))
        offset += n
    if not feats:
        raise ImportProblem("no usable tune in the collection")
    return Corpus(
        features=np.concatenate(feats), tune=np.concatenate(tune),
        position=np.concatenate(pos).astype(np.int32), ends=np.concatenate(ends),
        phase=np.concatenate(phase).astype(np.int8), tunes=names,
        junctions=np.asarray(junc, dtype=np.int32).reshape(-1, 2),
        overlaps=np.asarray(over, dtype=np.int32).reshape(-1, 2), vocab=vocab, skipped=skipped,
        meters=meters, modes=modes, sequence=np.asarray(seq, dtype=np.int32),
        sequence_tune=np.asarray(seq_tune, dtype=np.int32), family=family, dropped=dict(dropped),
    )


def nottingham_grids(family: str = "duple", folder: str | Path | None = None,
                     progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled
                     ) -> tuple[list[StepGrid], list[tuple[str, str]]]:
    """Read the bundled Nottingham tunes of one meter family (major and minor)."""
    from engine.paths import assets_dir

    if family not in FAMILIES:
        raise ValueError(f"unknown meter family {family!r} (known: {', '.join(FAMILIES)})")
    folder = Path(folder) if folder else assets_dir() / "nottingham" / "MIDI"
    return load_grids(music_files(folder), progress=progress, cancelled=cancelled, family=family)


def nottingham_corpus(folder: str | Path | None = None, progress: ProgressFn = no_progress,
                      cancelled: CancelledFn = never_cancelled, family: str = "duple",
                      vocab: list[str] | None = None) -> Corpus:
    """Build the Nottingham corpus of one meter family, transposed to C major / A minor."""
    grids, skipped = nottingham_grids(family, folder, progress, cancelled)
    return build_corpus(grids, vocab=vocab, skipped=skipped)
