"""`segue eval playlist`, key ``real``: does a neighbour come from the seed's soundtrack?

The set is the real-recordings cache (:mod:`.realset`: Debian game soundtracks, their sound
effects, offline speech), scanned with the real scanner — features, tagger, kind — into a
throw-away library beside it (``CACHE/eval/library.sqlite``), together with the shippable clips
(``assets/audio``, ``assets/eval/nonmusic``: fit data for the detector only), and read back by
:mod:`.real_data`.

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

from pathlib import Path

import numpy as np

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress
from engine.library.evaluation import controls as ec
from engine.library.evaluation.kind_fit import evaluate_detector
from engine.library.evaluation.real_data import (
    RealData,
    available,
    cache_folder,
    load_data,
    scan_set,
)

TARGET_CONTROL_RATIO = 1.5
TARGET_RANDOM_RATIO = 3.0
TARGET_NON_MUSIC = 0.9


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
