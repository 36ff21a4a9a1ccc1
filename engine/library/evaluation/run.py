"""The synthetic diagnostics of `segue eval playlist` (key ``synthetic``): labels that are render
settings, each family reported with the control that decides it.

Since issue 23 the headline figures come from real recordings (:mod:`.real`); these families stay
as diagnostics because a review found their labels are render settings: ``timbre`` is decided by
the General MIDI program, ``dance`` by the time signature, ``drums`` (near) by duration. Each
family's ``deciding_control`` names that control and its precision@10 beside Segue's.

The labelled set (``engine/library/evaluation/synthetic.py``) is rendered from bundled MIDI through two
General MIDI SoundFonts, at least 75 s long so the scanner takes its 3 × 20 s excerpt path, and
scanned into a throw-away library under ``SEGUE_HOME/cache/library-eval`` with the real scanner
and features. Each embedding option (``engine/library/evaluation/options.py``) learns from the *fit*
split only; the option Segue uses ("segue") is the setting value with the best precision@10 on
the *selection* split; every figure reported is on the *test* split, retrieved within its family
(artist filter on: a tune-, drummer- or instrument-disjoint retrieval), with a 95 % bootstrap
interval over tunes and the controls of ``engine/library/evaluation/controls.py`` computed on the same
tracks. ``non_music`` measures the speech/field-recording detector (``eval_nonmusic.py``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from engine import paths
from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress
from engine.library.evaluation import controls as ec
from engine.library.evaluation import synthetic as es
from engine.library.evaluation.controls import K, precision_at_k  # noqa: F401 - public re-export
from engine.library.evaluation.synthetic import LabelledTune, labelled_set, render_tune  # noqa: F401

FAMILIES = ("dance", "timbre", "drums")
DECIDING_CONTROL = {"dance": "time_signature", "timbre": "program", "drums": "duration"}
TARGET_CONTROL_RATIO = 1.2
TARGET_RANDOM_RATIO = 2.0


def cache_dir() -> Path:
    """Where the rendered set, its library and its models are kept."""
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
            seconds = (es.MIN_SECONDS, es.MAX_SECONDS)
            futures = [pool.submit(render_tune, t, p, seconds) for t, p in todo]
            for done, future in enumerate(futures, 1):
                future.result()
                progress(done / len(futures), f"Rendered {done}/{len(futures)} tunes")
                check_cancelled(cancelled)
    return targets


def _scan(tunes: list[LabelledTune], rebuild: bool, progress: ProgressFn,
          cancelled: CancelledFn) -> dict[str, np.ndarray | list]:
    """Render and scan the set; return per-tune features, durations, tempos and music scores."""
    import shutil

    from sqlalchemy import select

    from engine.library.analysis.features import FEATURE_VERSION, N_FEATURES
    from engine.library.scan.scanner import scan_folder
    from engine.library.storage import models as m
    from engine.library.storage.db import Library

    folder = cache_dir()
    stamp = folder / "set.json"
    signature = json.dumps({"version": es.SET_VERSION, "names": sorted(t.name for t in tunes)})
    if rebuild:
        shutil.rmtree(folder, ignore_errors=True)
    audio_dir = folder / "audio"
    audio_dir.mkdir(parents=True, exist_ok=True)
    targets = render_set(tunes, audio_dir, scaled_progress(progress, 0.0, 0.5), cancelled)
    stamp.write_text(signature, encoding="utf-8")
    rows: dict[str, tuple] = {}
    with Library(folder / "eval.sqlite") as library:
        scan_folder(library, audio_dir, scaled_progress(progress, 0.5, 0.9), cancelled)
        query = (select(m.Track.path, m.Track.duration, m.Track.tempo, m.Track.music_score,
                        m.Feature.vector, m.TrackTags.embedding)
                 .join(m.Feature, m.Feature.track_id == m.Track.id)
                 .outerjoin(m.TrackTags, m.TrackTags.track_id == m.Track.id)
                 .where(m.Track.status == m.ANALYSED, m.Feature.version == FEATURE_VERSION))
        with library.transaction() as session:
            for path, duration, tempo, score, vector, tagged in session.execute(query):
                rows[path] = (duration, tempo, score, np.frombuffer(vector, np.float32),
                              np.frombuffer(tagged, np.float32) if tagged else None)
    missing = [str(p) for p in targets if str(p.resolve()) not in rows]
    if missing:
        raise RuntimeError(f"the eval scan did not analyse {missing[0]} ({len(missing)} files)")
    data = [rows[str(p.resolve())] for p in targets]
    width = next((len(d[4]) for d in data if d[4] is not None), 0)
    return {
        "tagger": (np.stack([d[4] if d[4] is not None else np.full(width, np.nan, np.float32)
                             for d in data]) if width else None),
        "paths": targets,
        "durations": np.asarray([d[0] for d in data]),
        "tempos": np.asarray([d[1] for d in data]),
        "scores": [float(d[2]) for d in data],
        "features": (np.stack([d[3] for d in data]) if data
                     else np.zeros((0, N_FEATURES), np.float32)),
    }


def _family_scores(vectors: np.ndarray, tunes: list[LabelledTune], rows: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    picked = [tunes[i] for i in rows]
    return ec.query_precisions(vectors[rows], [t.label for t in picked],
                               [t.artist for t in picked])


def _mean(values: np.ndarray) -> float:
    ok = ~np.isnan(values)
    return float(np.mean(values[ok])) if np.any(ok) else 0.0


def evaluate_playlist(rebuild: bool = False, progress: ProgressFn = no_progress,
                      cancelled: CancelledFn = never_cancelled, *,
                      dance_per_label: int | None = None, timbre_tunes: int | None = None,
                      drums: bool = True, non_music: bool = True) -> dict[str, object]:
    """Render (or reuse) the labelled set, scan it, embed it and measure precision@10."""
    from engine.library.evaluation.nonmusic import evaluate_non_music, rendered_samples
    from engine.library.evaluation.options import OptionInput, options_for

    started = time.monotonic()
    tunes = labelled_set(dance_per_label, timbre_tunes, drums)
    warnings = [w for w in (es.soundfont_warning(),) if w]
    scanned = _scan(tunes, rebuild, scaled_progress(progress, 0.0, 0.85), cancelled)
    fit = np.asarray([t.split == "fit" for t in tunes])
    features = scanned["features"]
    option_input = OptionInput(list(scanned["paths"]), features, fit, cache_dir() / "options",
                               scanned["tagger"])
    OPTIONS, SETTING_OPTIONS = options_for(option_input)  # noqa: N806 - as the module names them
    methods: dict[str, np.ndarray] = {name: np.asarray(option(option_input), np.float64)
                                      for name, option in OPTIONS.items()}
    controls = ec.control_vectors([t.metre for t in tunes], scanned["tempos"],
                                  scanned["durations"], features, fit,
                                  [t.program for t in tunes])
    progress(0.9, "Measuring precision@10")

    def rows_of(family: str, split: str, extras: bool = False) -> np.ndarray:
        return np.asarray([i for i, t in enumerate(tunes) if t.family == family
                           and t.split == split and (extras or t.label not in es.DANCE_EXTRA)],
                          dtype=np.int64)

    families = [f for f in FAMILIES if len(rows_of(f, "test"))]
    selection = {name: float(np.mean([_mean(_family_scores(methods[name], tunes,
                                                           rows_of(f, "selection"))[0])
                                      for f in families]))
                 for name in SETTING_OPTIONS}
    chosen = max(SETTING_OPTIONS, key=lambda name: selection[name])
    by_family: dict[str, dict[str, object]] = {}
    embedding: dict[str, dict[str, float]] = {name: {} for name in methods}
    control_table: dict[str, dict[str, float]] = {name: {} for name in [*controls, "random"]}
    per_label: dict[str, float] = {}
    for family in families:
        rows = rows_of(family, "test")
        picked = [tunes[i] for i in rows]
        for name, vectors in methods.items():
            embedding[name][family] = round(_mean(_family_scores(vectors, tunes, rows)[0]), 4)
        for name, vectors in controls.items():
            control_table[name][family] = round(_mean(_family_scores(vectors, tunes, rows)[0]),
                                                4)
        scores, randoms = _family_scores(methods[chosen], tunes, rows)
        control_table["random"][family] = round(_mean(randoms), 4)
        best_name = max(controls, key=lambda name: control_table[name][family])
        segue, best = _mean(scores), control_table[best_name][family]
        random = _mean(randoms)
        low, high = ec.bootstrap_interval(scores, [t.group for t in picked])
        labels = np.asarray([t.label for t in picked])
        for label in sorted(set(labels)):
            per_label[label] = round(_mean(scores[labels == label]), 4)
        one_metre = len({t.metre for t in picked}) == 1
        targets = {"not_below_best_control": segue >= best}
        if one_metre:
            targets["vs_best_control_1.2x"] = segue >= TARGET_CONTROL_RATIO * best
            targets["vs_random_2x"] = segue >= TARGET_RANDOM_RATIO * random
        deciding = DECIDING_CONTROL[family]
        by_family[family] = {
            "segue": round(segue, 4), "segue_ci95": [round(low, 4), round(high, 4)],
            "deciding_control": {"name": deciding,
                                 "p_at_10": control_table[deciding][family]},
            "best_control": round(best, 4), "best_control_name": best_name,
            "random": round(random, 4), "one_metre": one_metre,
            "tracks": len(rows), "groups": len({t.group for t in picked}),
            "labels": sorted(set(labels.tolist())), "targets": targets,
        }
    for table in (embedding, control_table):
        for values in table.values():
            values["overall"] = round(float(np.mean([values[f] for f in families])), 4)
    dance_all = rows_of("dance", "test", extras=True)
    hp_scores, hp_randoms = (_family_scores(methods[chosen], tunes, dance_all)
                             if len(dance_all) else (np.zeros(0), np.zeros(0)))
    hp_labels = np.asarray([tunes[i].label for i in dance_all])
    report: dict[str, object] = {
        "precision_at_10": {"segue": embedding[chosen]["overall"],
                            "random": control_table["random"]["overall"]},
        "per_label": per_label,
        "tracks": int(sum(len(rows_of(f, "test")) for f in families)),
        "labels": sorted(per_label),
        "with_hornpipes": {"segue": round(_mean(hp_scores), 4),
                           "random": round(_mean(hp_randoms), 4), "tracks": len(dance_all),
                           "hornpipe": round(_mean(hp_scores[hp_labels == "hornpipe"]), 4)},
        "artist_filter": True,
        "split": "test",
        "splits": {s: int(sum(t.split == s for t in tunes)) for s in es.SPLITS},
        "embedding": embedding,
        "embedding_choice": {"chosen": chosen, "selection_p_at_10": selection},
        "controls": {name: values["overall"] for name, values in control_table.items()},
        "controls_by_family": control_table,
        "by_family": by_family,
        "targets_met": all(all(f["targets"].values()) for f in by_family.values()),
        "render_seconds": {"min": round(float(np.min(scanned["durations"])), 1),
                           "max": round(float(np.max(scanned["durations"])), 1)},
        "warnings": warnings,
    }
    if non_music:
        progress(0.95, "Measuring the non-music detector")
        report["non_music"] = evaluate_non_music(rendered_samples(
            features, scanned["scores"], [t.split for t in tunes], [t.group for t in tunes]))
    report["seconds"] = round(time.monotonic() - started, 1)
    progress(1.0, "Done")
    return report
