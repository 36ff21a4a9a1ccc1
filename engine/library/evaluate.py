"""`segue eval playlist`: precision@10 of playlist neighbours on a labelled, shippable set.

The set is rendered from bundled MIDI through the internal SoundFont synth: Nottingham tunes
labelled by dance type (file names: jigs, reels, waltzes, hornpipes, slip jigs), each played by
one of several General MIDI instruments (its "artist"), and Groove MIDI drum beats labelled by
style (artist = drummer). Hornpipes are rendered but left out of the headline figure (reported
apart): the database notates them exactly like reels (4/4, even quavers, no tempo), so their
audio holds no cue that tells them apart; the hornpipe lilt is a performance practice.

The renders are scanned into a throw-away library under ``SEGUE_HOME/cache/library-eval`` with the
real scanner, features and autoencoder. For each track, its 10 nearest neighbours *by other
artists* (the artist filter) are retrieved; precision counts those with the same label. ``random``
is the exact expectation for 10 random tracks by other artists.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import paths
from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress

NOTTINGHAM_LABELS: dict[str, tuple[str, ...]] = {
    "jig": ("jigs",),
    "reel": ("reelsa-c", "reelsd-g", "reelsh-l", "reelsm-q", "reelsr-t", "reelsu-z"),
    "waltz": ("waltzes",),
    "hornpipe": ("hpps",),
    "slip jig": ("slip",),
}
INSTRUMENTS: dict[str, int] = {"piano": 0, "accordion": 21, "guitar": 24, "violin": 40,
                               "flute": 73}
GROOVE_MIN_PER_STYLE = 6
PER_LABEL = 40
CLIP_SECONDS = 60.0
HEADLINE_EXCLUDES = ("hornpipe",)
K = 10
SET_VERSION = 1


@dataclass(frozen=True)
class LabelledTune:
    """A MIDI file, how to render it, and its label and artist."""

    midi: str
    label: str
    artist: str
    program: int | None  # None: keep the file's programs (drums)
    name: str


def _nottingham_dir() -> Path:
    return paths.assets_dir() / "nottingham" / "MIDI"


def _groove_dir() -> Path:
    return paths.assets_dir() / "eval" / "groove"


def _file_number(path: Path) -> int:
    digits = "".join(ch for ch in path.stem if ch.isdigit())
    return int(digits) if digits else 0


def labelled_set() -> list[LabelledTune]:
    """The tunes of the labelled set, in a fixed order."""
    tunes: list[LabelledTune] = []
    folder = _nottingham_dir()
    if not folder.is_dir():
        raise FileNotFoundError(f"the Nottingham MIDI files are missing: {folder}")
    artists = list(INSTRUMENTS)
    for label, prefixes in NOTTINGHAM_LABELS.items():
        files = sorted(
            (p for p in folder.glob("*.mid")
             if p.stem.rstrip("0123456789") in prefixes),
            key=lambda p: (p.stem.rstrip("0123456789"), _file_number(p)),
        )
        step = max(1, len(files) // PER_LABEL)
        for i, path in enumerate(files[::step][:PER_LABEL]):
            artist = artists[i % len(artists)]
            tunes.append(LabelledTune(str(path), label, artist, INSTRUMENTS[artist],
                                      f"{label.replace(' ', '-')}_{artist}_{path.stem}"))
    tunes.extend(_groove_tunes())
    return tunes


def _groove_tunes() -> list[LabelledTune]:
    import csv

    folder = _groove_dir()
    info = folder / "info.csv"
    if not info.is_file():
        raise FileNotFoundError(f"the Groove MIDI files are missing: {folder}")
    with open(info, encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if (folder / r["midi_filename"]).is_file()]
    styles: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        styles.setdefault(row["style"].split("/")[0], []).append(row)
    tunes = []
    for style, members in sorted(styles.items()):
        if len(members) < GROOVE_MIN_PER_STYLE:
            continue
        for row in sorted(members, key=lambda r: r["midi_filename"]):
            path = folder / row["midi_filename"]
            tunes.append(LabelledTune(str(path), f"drums: {style}", row["drummer"], None,
                                      f"drums-{style}_{row['drummer']}_{path.stem}"))
    return tunes


def render_tune(tune: LabelledTune, target: str) -> str:
    """Render the first :data:`CLIP_SECONDS` of ``tune`` to a FLAC file (worker-process entry)."""
    import warnings

    import pretty_midi
    import soundfile as sf

    from engine.playback.synth import render_midi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        midi = pretty_midi.PrettyMIDI(tune.midi)
    for instrument in midi.instruments:
        instrument.notes = [n for n in instrument.notes if n.start < CLIP_SECONDS]
        instrument.control_changes = [c for c in instrument.control_changes
                                      if c.time < CLIP_SECONDS]
        if tune.program is not None and not instrument.is_drum:
            instrument.program = tune.program
    audio = render_midi(midi, sample_rate=22050, tail_seconds=0.5)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0:
        audio = audio * (0.5 / peak)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(target).with_suffix(".tmp.flac")
    sf.write(str(tmp), audio, 22050, subtype="PCM_16")
    tmp.replace(target)
    return target


def cache_dir() -> Path:
    """Where the rendered set, its library and its model are kept."""
    return paths.segue_home() / "cache" / "library-eval"


def render_set(tunes: list[LabelledTune], folder: Path, progress: ProgressFn = no_progress,
               cancelled: CancelledFn = never_cancelled, workers: int = 2) -> list[Path]:
    """Render every tune not yet in ``folder``; return the audio paths in ``tunes`` order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from engine.jobs import check_cancelled

    targets = [folder / f"{t.name}.flac" for t in tunes]
    todo = [(t, str(p)) for t, p in zip(tunes, targets, strict=True) if not p.exists()]
    if todo:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(render_tune, t, p) for t, p in todo]
            for done, future in enumerate(futures, 1):
                future.result()
                progress(done / len(futures), f"Rendered {done}/{len(futures)} tunes")
                check_cancelled(cancelled)
    return targets


def precision_at_k(vectors: np.ndarray, labels: list[str], artists: list[str], k: int = K
                   ) -> tuple[float, float, dict[str, float]]:
    """Mean precision@k with an artist filter, its random expectation, and the per-label means."""
    vectors = np.asarray(vectors, dtype=np.float64)
    labels_arr, artists_arr = np.asarray(labels), np.asarray(artists)
    sq = (vectors**2).sum(axis=1)
    distances = sq[:, None] + sq[None, :] - 2.0 * vectors @ vectors.T
    scores, randoms = [], []
    for i in range(len(vectors)):
        allowed = artists_arr != artists_arr[i]
        candidates = np.flatnonzero(allowed)
        if len(candidates) == 0:
            continue
        nearest = candidates[np.argsort(distances[i, candidates], kind="stable")[:k]]
        scores.append(float(np.mean(labels_arr[nearest] == labels_arr[i])))
        randoms.append(float(np.mean(labels_arr[candidates] == labels_arr[i])))
    per_label = {
        label: float(np.mean([s for s, lab in zip(scores, labels, strict=False) if lab == label]))
        for label in sorted(set(labels))
    }
    return float(np.mean(scores)), float(np.mean(randoms)), per_label


def evaluate_playlist(rebuild: bool = False, progress: ProgressFn = no_progress,
                      cancelled: CancelledFn = never_cancelled) -> dict[str, object]:
    """Render (or reuse) the labelled set, scan it, embed it and measure precision@10."""
    import shutil

    from sqlalchemy import select

    from engine.library import models as m
    from engine.library.catalogue import load_catalogue
    from engine.library.db import Library
    from engine.library.embeddings import refresh_embeddings
    from engine.library.scanner import scan_folder

    started = time.monotonic()
    tunes = labelled_set()
    folder = cache_dir()
    stamp = folder / "set.json"
    signature = json.dumps({"version": SET_VERSION, "names": [t.name for t in tunes]})
    if rebuild or not stamp.is_file() or stamp.read_text(encoding="utf-8") != signature:
        shutil.rmtree(folder, ignore_errors=True)
    audio_dir = folder / "audio"
    audio_dir.mkdir(parents=True, exist_ok=True)
    targets = render_set(tunes, audio_dir, scaled_progress(progress, 0.0, 0.5), cancelled)
    stamp.write_text(signature, encoding="utf-8")
    by_path = {str(p.resolve()): t for p, t in zip(targets, tunes, strict=True)}
    with Library(folder / "eval.sqlite") as library:
        scan_folder(library, audio_dir, scaled_progress(progress, 0.5, 0.9), cancelled)
        with library.transaction() as session:
            for track in session.scalars(select(m.Track)):
                tune = by_path.get(track.path)
                if tune is not None:
                    track.artist, track.genre, track.title = tune.artist, tune.label, tune.name
        refresh_embeddings(library, scaled_progress(progress, 0.9, 1.0), cancelled,
                           model_file=folder / "autoencoder.pt")
        catalogue = load_catalogue(library, use_cache=False)
    keep = np.asarray([g not in HEADLINE_EXCLUDES for g in catalogue.genres], dtype=bool)
    labels = [g for g, k in zip(catalogue.genres, keep, strict=True) if k]
    artists = [a for a, k in zip(catalogue.artists, keep, strict=True) if k]
    segue, random, per_label = precision_at_k(catalogue.vectors[keep], labels, artists)
    all_segue, all_random, all_per_label = precision_at_k(
        catalogue.vectors, catalogue.genres, catalogue.artists)
    return {
        "precision_at_10": {"segue": round(segue, 4), "random": round(random, 4)},
        "per_label": {k: round(v, 4) for k, v in per_label.items()},
        "tracks": int(keep.sum()),
        "labels": sorted(set(labels)),
        "with_hornpipes": {"segue": round(all_segue, 4), "random": round(all_random, 4),
                           "tracks": len(catalogue),
                           "hornpipe": round(all_per_label.get("hornpipe", 0.0), 4)},
        "artist_filter": True,
        "embedding": "autoencoder",
        "seconds": round(time.monotonic() - started, 1),
    }
