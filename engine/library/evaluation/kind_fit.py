"""Fit the music / speech / other detector on the real recordings, and judge it held out.

Evidence rows (:func:`engine.library.analysis.kind.evidence`) come from the eval's scan of the
real set (:mod:`.real_data`). Truth: music; speech (read speech, and SuperTux's game voices); other
(sound effects, the whale song, the robin). Every training row is used twice, with its tags and
without them, so the detector also judges a track the tagger could not hear (under a second, or
the tagger off) from the analysis cues alone. :func:`train_kind` chooses the L2 strength on the
*selection* split (fitting on the fit split and the shippable clips), then fits the shipped
detector on fit + selection + the shippable clips and writes ``assets/models/library/kind.json``;
the *test* split is never seen. :func:`evaluate_detector` judges the shipped detector on the
test split, with the procedure re-run in the same call, and two controls: the legacy two-cue
rule, and duration alone (threshold chosen on selection).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from engine.library.analysis.kind import KINDS, KindModel, evidence, fit
from engine.library.evaluation.real_data import (
    RealData,
    available,
    cache_folder,
    load_data,
    scan_set,
)

L2_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
SPEECH_LABELS = ("supertux-data/voices",)


def truth(entry: dict) -> int:
    """The kind index (:data:`KINDS`) a manifest entry really is."""
    if entry["kind"] == "music":
        return 0
    if entry["kind"] == "speech" or entry.get("label") in SPEECH_LABELS:
        return 1
    return 2


def rows_of(data: RealData, n_tags: int, tags: bool = True) -> np.ndarray:
    """Evidence rows of every entry (zeros for entries the scan could not analyse); with
    ``tags=False`` as if the tagger had not heard them."""
    out = []
    for i in range(len(data.entries)):
        probs = data.tag_probs[i] if tags and not np.isnan(data.tag_probs[i]).any() else None
        out.append(evidence(data.features[i], data.stability[i], probs, n_tags))
    return np.asarray(out)


def _training(data: RealData, n_tags: int, train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``train`` twice: with their tags and without (so the detector also judges a
    track the tagger could not hear, from the analysis cues alone)."""
    labels = np.asarray([truth(e) for e in data.entries])
    rows = np.vstack([rows_of(data, n_tags)[train], rows_of(data, n_tags, tags=False)[train]])
    return rows, np.concatenate([labels[train], labels[train]])


def _mask(data: RealData, *splits: str) -> np.ndarray:
    return data.analysed & np.asarray([e["split"] in splits for e in data.entries])


def binary(predicted: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """Non-music precision, recall and accuracy (positive = not music), plus counts."""
    flagged, really = predicted != 0, true != 0
    hits = int(np.sum(flagged & really))
    precision = hits / int(flagged.sum()) if flagged.any() else 1.0
    recall = hits / int(really.sum()) if really.any() else 1.0
    return {"precision": round(precision, 4), "recall": round(recall, 4),
            "accuracy_3_kinds": round(float(np.mean(predicted == true)), 4) if len(true) else 0.0,
            "music": int((~really).sum()), "non_music": int(really.sum()),
            "false_alarms": int(np.sum(flagged & ~really)), "missed": int(np.sum(~flagged & really))}


def choose_l2(data: RealData, n_tags: int) -> tuple[float, dict[str, dict]]:
    """The L2 strength with the best min(precision, recall) (then accuracy) on selection."""
    rows = rows_of(data, n_tags)
    labels = np.asarray([truth(e) for e in data.entries])
    train, held = _mask(data, "fit", "shipped"), _mask(data, "selection")
    train_rows, train_labels = _training(data, n_tags, train)
    scores, best, best_key = {}, L2_GRID[0], (-1.0, -1.0)
    for l2 in L2_GRID:
        model = fit(train_rows, train_labels, l2=l2)
        predicted = np.argmax(model.probabilities(rows[held]), axis=1)
        found = binary(predicted, labels[held])
        scores[str(l2)] = found
        key = (min(found["precision"], found["recall"]), found["accuracy_3_kinds"])
        if key > best_key:
            best, best_key = l2, key
    return best, scores


def fitted(data: RealData, n_tags: int, l2: float, *splits: str) -> KindModel:
    """A detector fitted on ``splits`` (and the shippable clips)."""
    rows, labels = _training(data, n_tags, _mask(data, "shipped", *splits))
    model = fit(rows, labels, l2=l2)
    model.tag_model, model.n_tags = data.tag_model, n_tags
    return model


def train_kind(cache: str | Path | None = None, out: str | Path | None = None) -> dict[str, object]:
    """Scan the real set (or reuse the eval's scan), choose, fit and write the detector."""
    from engine.atomic import atomic_write_text
    from engine.library.analysis.kind import model_path

    folder = cache_folder(cache)
    if not available(folder):
        raise FileNotFoundError(f"the real-recordings set is not in {folder}: fetch it with "
                                "`segue eval playlist --fetch`")
    data = load_data(folder, scan_set(folder))
    n_tags = data.tag_probs.shape[1]
    l2, scores = choose_l2(data, n_tags)
    model = fitted(data, n_tags, l2, "fit", "selection")
    counts = {s: int(_mask(data, s).sum()) for s in ("fit", "selection", "shipped")}
    model.info = {"l2": l2, "trained_on": "fit + selection + shipped clips", "rows": counts,
                  "selection_by_l2": scores, "made": time.strftime("%Y-%m-%d"),
                  "inputs": "64 analysis cues, chroma stability, has-tags, tag logits"}
    target = Path(out) if out else model_path()
    atomic_write_text(target, model.to_json())
    return {"out": str(target), "l2": l2, "selection": {
        "accuracy": scores[str(l2)]["accuracy_3_kinds"],
        "non_music_precision": scores[str(l2)]["precision"],
        "non_music_recall": scores[str(l2)]["recall"]}, "rows": counts}


def evaluate_detector(data: RealData) -> dict[str, object]:
    """The detector on the test split (held out), with the re-run procedure and controls."""
    from engine.library.analysis.kind import bundled
    from engine.library.analysis.nonmusic import is_music

    n_tags = data.tag_probs.shape[1]
    labels = np.asarray([truth(e) for e in data.entries])
    test = _mask(data, "test")
    skipped = [e["path"] for e in data.entries if e["split"] == "test" and not e.get("track")]
    rows = rows_of(data, n_tags)
    report: dict[str, object] = {"held_out": "test split: music, effects and speech never fitted "
                                 "on", "unanalysed": len(skipped), "unanalysed_files": skipped}
    shipped = bundled()
    if shipped is not None and shipped.n_tags == n_tags:
        predicted = np.argmax(shipped.probabilities(rows[test]), axis=1)
        report.update(binary(predicted, labels[test]))
        report["detector"] = "shipped (assets/models/library/kind.json)"
        report["shipped_info"] = {k: shipped.info.get(k) for k in ("l2", "trained_on", "made")}
        report["confusion"] = _confusion(predicted, labels[test])
    l2, _ = choose_l2(data, n_tags)
    refit = fitted(data, n_tags, l2, "fit")
    rerun = binary(np.argmax(refit.probabilities(rows[test]), axis=1), labels[test])
    report["rerun_here"] = {**rerun, "l2": l2, "trained_on": "fit + shipped clips"}
    if "precision" not in report:
        report.update({k: v for k, v in rerun.items() if k not in ("l2", "trained_on")})
        report["detector"] = "re-run here (no shipped detector for these tags)"
    if shipped is not None and shipped.n_tags == n_tags:
        untagged = rows_of(data, n_tags, tags=False)[test]
        report["without_tags"] = binary(np.argmax(shipped.probabilities(untagged), axis=1),
                                        labels[test])
    legacy = np.where([is_music(s) for s in data.scores[test]], 0, 2)
    report["control_legacy_rule"] = binary(legacy, labels[test])
    threshold = _duration_threshold(data, labels)
    by_length = np.where(data.durations[test] >= threshold, 0, 2)
    report["control_duration"] = {**binary(by_length, labels[test]),
                                  "threshold_s": round(threshold, 2)}
    wrong = [data.entries[i]["path"] for i, p in zip(np.flatnonzero(test), (
        np.argmax(shipped.probabilities(rows[test]), axis=1) if shipped is not None and
        shipped.n_tags == n_tags else []), strict=False) if (p != 0) != (labels[i] != 0)]
    report["misjudged"] = wrong
    return report


def _confusion(predicted: np.ndarray, true: np.ndarray) -> dict[str, dict[str, int]]:
    return {KINDS[t]: {KINDS[p]: int(np.sum((true == t) & (predicted == p))) for p in range(3)}
            for t in range(3)}


def _duration_threshold(data: RealData, labels: np.ndarray) -> float:
    """The duration below which "not music" does best on selection (min of precision, recall)."""
    held = _mask(data, "selection")
    best, best_key = 0.0, (-1.0, -1.0)
    for threshold in np.unique(np.round(data.durations[held], 2)):
        found = binary(np.where(data.durations[held] >= threshold, 0, 2), labels[held])
        key = (min(found["precision"], found["recall"]), found["accuracy_3_kinds"])
        if key > best_key:
            best, best_key = float(threshold), key
    return best
