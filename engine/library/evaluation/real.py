"""`segue eval playlist`, key ``real``: does a neighbour come from the seed's soundtrack?

The set is the real-recordings cache (:mod:`.realset`: Debian game soundtracks, their sound
effects, offline speech), scanned with the real scanner — features, tagger, kind — into a
throw-away library beside it (``CACHE/eval/library.sqlite``), together with the shippable clips
(``assets/audio``, ``assets/eval/nonmusic``: fit data for the detector only).

**Retrieval.** Queries are the music tracks of one split (``selection`` for choices, ``test`` for
every figure reported); candidates are the music tracks of *every* split (the library a playlist
draws from), but never the query itself or a byte-identical copy of it. A query whose soundtrack
has no other track is skipped. Label = soundtrack. Each embedding option learns from the fit
split's music only (:mod:`.options`). "segue" is the setting option best on selection.

**Controls** (:func:`.controls.real_control_vectors`): tempo, duration, loudness, spectral
shape, raw features, and random (exact expectation). 95 % intervals resample the test queries
(tracks), and separately whole soundtracks (albums), 1,000 rounds each.

**Non-music** (:mod:`.kind_fit`): the detector shipped in ``assets/models/library/kind.json``
(fitted on the fit split, regularisation chosen on selection) judged on the test split's music,
effects and speech it never saw; beside it the same procedure re-run here, and two controls (the
legacy two-cue rule, and duration alone with its threshold chosen on selection).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress
from engine.library.evaluation import controls as ec

TARGET_CONTROL_RATIO = 1.5
TARGET_RANDOM_RATIO = 3.0
TARGET_NON_MUSIC = 0.9


def cache_folder(cache: str | Path | None = None) -> Path:
    """The real-recordings cache (default ``SEGUE_HOME/cache/realset``)."""
    from engine.library.evaluation.realset import default_cache

    return Path(cache).expanduser() if cache else default_cache()


def available(cache: str | Path | None = None) -> bool:
    """True when the set has been fetched (its manifest exists)."""
    from engine.library.evaluation.realset import MANIFEST

    return (cache_folder(cache) / MANIFEST).is_file()


def shipped_clips() -> list[Path]:
    """The clips Segue ships that also train the detector (music demo, speech, whale, robin)."""
    from engine import paths

    return [paths.assets_dir() / "audio", paths.assets_dir() / "eval" / "nonmusic"]


@dataclass
class RealData:
    """The scanned set: one row per manifest file (and per shipped clip), aligned arrays."""

    entries: list[dict]  # manifest rows (+ "abs": the file, "track": its id or None)
    analysed: np.ndarray  # bool
    features: np.ndarray  # (n, 112), zeros where not analysed
    stability: np.ndarray
    durations: np.ndarray
    tempos: np.ndarray
    scores: np.ndarray  # the legacy music score
    kinds: list[str]  # as the scan's detector decided
    tag_probs: np.ndarray  # (n, tags), NaN where untagged
    tagger: np.ndarray  # (n, 200), NaN where untagged
    tag_model: str
    library: Path


def scan_set(cache: Path, progress: ProgressFn = no_progress,
             cancelled: CancelledFn = never_cancelled, workers: int = 2) -> Path:
    """Scan the set's audio and speech (and the shipped clips) into the eval library."""
    from engine.library.scan.scanner import scan_folder
    from engine.library.storage.db import Library

    folders = [cache / "audio", cache / "speech", *shipped_clips()]
    folders = [f for f in folders if f.is_dir()]
    path = cache / "eval" / "library.sqlite"
    with Library(path) as library:
        for index, folder in enumerate(folders):
            scan_folder(library, folder, scaled_progress(progress, index / len(folders),
                                                         (index + 1) / len(folders)),
                        cancelled, workers=workers)
    return path


def load_data(cache: Path, library: Path) -> RealData:
    """Read the scanned set back, aligned with the manifest (shipped clips appended)."""
    from engine.library.analysis.features import FEATURE_NAMES, FEATURE_VERSION, N_FEATURES
    from engine.library.analysis.nonmusic import PULSE_WEIGHT
    from engine.library.evaluation.realset import MANIFEST
    from engine.library.storage.reader import Reader

    manifest = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))
    entries = [dict(e, abs=str((cache / e["path"]).resolve())) for e in manifest["files"]]
    for folder in shipped_clips():
        for clip in sorted(folder.glob("*.ogg")):
            kind = "music" if folder.name == "audio" else (
                "speech" if clip.stem[0].isdigit() else "effects")
            entries.append({"path": str(clip), "abs": str(clip.resolve()), "kind": kind,
                            "label": f"shipped/{kind}", "album": clip.stem,
                            "group": f"shipped/{clip.stem}", "split": "shipped",
                            "sha256": clip.stem, "duration": 0.0})
    with Reader(library) as reader:
        rows = {Reader.path_of(r[0]): r[1:] for r in reader.execute(
            "SELECT t.path, t.id, t.duration, t.tempo, t.music_score, t.kind, f.vector, "
            "g.model, g.probabilities, g.embedding FROM tracks t JOIN features f "
            "ON f.track_id = t.id LEFT JOIN track_tags g ON g.track_id = t.id "
            "WHERE t.status = 'analysed' AND f.version = ?", (FEATURE_VERSION,))}
    n = len(entries)
    pulse = FEATURE_NAMES.index("pulse_clarity")
    features = np.zeros((n, N_FEATURES), np.float32)
    analysed = np.zeros(n, bool)
    durations, tempos, scores = np.zeros(n), np.zeros(n), np.full(n, -1.0)
    kinds, probs, embeds, model = [""] * n, [None] * n, [None] * n, ""
    for i, entry in enumerate(entries):
        found = rows.get(entry["abs"])
        entry["track"] = int(found[0]) if found else None
        if found is None:
            continue
        analysed[i] = True
        durations[i], tempos[i], scores[i], kinds[i] = found[1], found[2], found[3], found[4]
        features[i] = np.frombuffer(found[5], np.float32)
        if found[7]:
            probs[i] = np.frombuffer(found[7], np.float32)
            embeds[i] = np.frombuffer(found[8], np.float32)
            model = found[6]
    stability = scores - PULSE_WEIGHT * features[:, pulse]

    def stack(parts: list, width: int) -> np.ndarray:
        return np.stack([p if p is not None else np.full(width, np.nan, np.float32)
                         for p in parts]) if n else np.zeros((0, width))

    width_p = next((len(p) for p in probs if p is not None), 50)
    width_e = next((len(e) for e in embeds if e is not None), 200)
    return RealData(entries, analysed, features, stability, durations, tempos, scores, kinds,
                    stack(probs, width_p), stack(embeds, width_e), model, library)


def _mean(values: np.ndarray) -> float:
    ok = ~np.isnan(values)
    return float(np.mean(values[ok])) if np.any(ok) else 0.0


def retrieval(data: RealData, cache: Path, progress: ProgressFn = no_progress
              ) -> dict[str, object]:
    """Precision@10 of every option and control on the music (see the module docstring)."""
    from engine.library.evaluation.options import OptionInput, options_for

    music = np.flatnonzero(data.analysed & np.asarray([e["kind"] == "music" and e["split"] in
                                                       ("fit", "selection", "test")
                                                       for e in data.entries]))
    rows = [data.entries[i] for i in music]
    labels = [e["label"] for e in rows]
    copies = [e["sha256"] for e in rows]
    split = np.asarray([e["split"] for e in rows])
    fit = split == "fit"
    option_input = OptionInput([Path(e["abs"]) for e in rows], data.features[music], fit,
                               cache / "eval" / "options", data.tagger[music])
    options, setting = options_for(option_input)
    methods = {}
    for index, (name, option) in enumerate(options.items()):
        progress(index / len(options), f"Embedding the real set: {name}")
        methods[name] = np.asarray(option(option_input), np.float64)
    controls = ec.real_control_vectors(data.tempos[music], data.durations[music],
                                       data.features[music], fit)

    def scores(vectors: np.ndarray, which: str) -> tuple[np.ndarray, np.ndarray]:
        return ec.query_precisions(vectors, labels, copies, queries=np.flatnonzero(split == which),
                                   need_match=True)

    selection = {name: round(_mean(scores(methods[name], "selection")[0]), 4) for name in setting}
    chosen = max(setting, key=lambda name: selection[name])
    test = {name: scores(vectors, "test") for name, vectors in {**methods, **controls}.items()}
    chosen_scores, randoms = test[chosen]
    asked = ~np.isnan(chosen_scores)
    control_p = {name: round(_mean(test[name][0]), 4) for name in controls}
    control_p["random"] = round(_mean(randoms), 4)
    best_name = max(ec.REAL_CONTROLS, key=lambda name: control_p[name])
    segue, best, random = _mean(chosen_scores), control_p[best_name], _mean(randoms)
    tracks_ci = ec.bootstrap_interval(chosen_scores, [str(i) for i in range(len(rows))])
    albums_ci = ec.bootstrap_interval(chosen_scores, labels)
    per_label = {label: round(_mean(chosen_scores[np.asarray(labels) == label]), 4)
                 for label in sorted({labels[i] for i in np.flatnonzero(asked)})}
    return {
        "label": "soundtrack",
        "queries": int(asked.sum()),
        "skipped_queries": int(((split == "test") & ~asked).sum()),
        "candidates": len(rows),
        "precision_at_10": {"segue": round(segue, 4), "segue_embedding": chosen,
                            "random": round(random, 4)},
        "segue_ci95_tracks": [round(v, 4) for v in tracks_ci],
        "segue_ci95_albums": [round(v, 4) for v in albums_ci],
        "embedding": {name: round(_mean(test[name][0]), 4) for name in methods},
        "embedding_choice": {"chosen": chosen, "selection_p_at_10": selection,
                             "default_setting": _default()},
        "controls": control_p,
        "best_control": {"name": best_name, "p_at_10": best},
        "per_label": per_label,
        "targets": {
            f"vs_best_control_{TARGET_CONTROL_RATIO}x": segue >= TARGET_CONTROL_RATIO * best,
            f"vs_random_{TARGET_RANDOM_RATIO:g}x": segue >= TARGET_RANDOM_RATIO * random,
            "ci95_low_above_best_control": tracks_ci[0] > best,
        },
        "ratios": {"vs_best_control": round(segue / best, 3) if best else None,
                   "vs_random": round(segue / random, 3) if random else None},
    }


def _default() -> str:
    from engine.library.embeddings.choices import DEFAULT

    return DEFAULT


def evaluate_real(cache: str | Path | None = None, progress: ProgressFn = no_progress,
                  cancelled: CancelledFn = never_cancelled, workers: int = 2) -> dict[str, object]:
    """Scan (or reuse) the real set and measure retrieval and the non-music detector."""
    import time

    from engine.library.evaluation.kind_fit import evaluate_detector

    started = time.monotonic()
    folder = cache_folder(cache)
    if not available(folder):
        raise FileNotFoundError(
            f"the real-recordings set is not in {folder}: fetch it with `segue eval playlist "
            "--fetch` (about 400 MB of Debian packages; --cache DIR to put it elsewhere)")
    library = scan_set(folder, scaled_progress(progress, 0.0, 0.6), cancelled, workers)
    data = load_data(folder, library)
    report = retrieval(data, folder, scaled_progress(progress, 0.6, 0.95))
    progress(0.95, "Judging the non-music detector")
    report["non_music"] = evaluate_detector(data)
    splits = {s: {k: sum(1 for e in data.entries if e["split"] == s and e["kind"] == k)
                  for k in ("music", "effects", "speech")} for s in ("fit", "selection", "test")}
    report["set"] = {"cache": str(folder), "splits": splits,
                     "analysed": int(data.analysed.sum()), "files": len(data.entries),
                     "tag_model": data.tag_model}
    nm = report["non_music"]
    report["targets"]["non_music_precision_0.9"] = nm["precision"] >= TARGET_NON_MUSIC
    report["targets"]["non_music_recall_0.9"] = nm["recall"] >= TARGET_NON_MUSIC
    report["targets_met"] = all(report["targets"].values())
    report["seconds"] = round(time.monotonic() - started, 1)
    return report
