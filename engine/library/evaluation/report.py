"""`segue eval playlist`: the real recordings (key ``real``) and the synthetic diagnostics.

:func:`evaluate_all` runs :func:`.real.evaluate_real` when the set has been fetched (else the
report says how to fetch it) and :func:`.run.evaluate_playlist` (key ``synthetic``) unless asked
not to; ``targets`` gathers the real targets, each met or missed. :func:`print_report` is the
text form.
"""

from __future__ import annotations

from pathlib import Path

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress


def evaluate_all(cache: str | Path | None = None, synthetic: bool = True, rebuild: bool = False,
                 progress: ProgressFn = no_progress,
                 cancelled: CancelledFn = never_cancelled) -> dict[str, object]:
    """The whole evaluation as one JSON-ready dict."""
    from engine.library.evaluation.real import evaluate_real
    from engine.library.evaluation.real_data import available, cache_folder

    report: dict[str, object] = {"warnings": []}
    share = 0.5 if synthetic else 1.0
    if available(cache):
        report["real"] = evaluate_real(cache, scaled_progress(progress, 0.0, share), cancelled)
        report["targets"] = report["real"]["targets"]
        report["targets_met"] = report["real"]["targets_met"]
    else:
        folder = cache_folder(cache)
        report["real"] = None
        report["warnings"].append(
            f"no real recordings in {folder}: fetch them with `segue eval playlist --fetch` "
            f"(--cache DIR for another folder); only the synthetic diagnostics ran")
    if synthetic:
        from engine.library.evaluation.run import evaluate_playlist

        found = evaluate_playlist(rebuild, scaled_progress(progress, share, 1.0), cancelled)
        report["warnings"] += found.pop("warnings", [])
        report["synthetic"] = found
    return report


def print_report(report: dict[str, object]) -> None:
    """The report as text: real retrieval and detector, targets, the synthetic families."""
    real = report.get("real")
    if real:
        p = real["precision_at_10"]
        print(f"real recordings, test split ({real['queries']} queries among "
              f"{real['candidates']} tracks, label = soundtrack):")
        print(f"  precision@10 segue ({p['segue_embedding']}) {p['segue']:.3f} "
              f"{real['segue_ci95_tracks']} (tracks) {real['segue_ci95_albums']} (albums); "
              f"random {p['random']:.3f}")
        print("  controls: " + ", ".join(f"{k} {v:.3f}" for k, v in real["controls"].items()))
        print("  options:  " + ", ".join(f"{k} {v:.3f}" for k, v in real["embedding"].items()))
        nm = real["non_music"]
        print(f"  non-music (held out): precision {nm['precision']:.3f}, recall "
              f"{nm['recall']:.3f} ({nm.get('detector', '')})")
        for name, met in real["targets"].items():
            print(f"  target {name}: {'met' if met else 'MISSED'}")
    synthetic = report.get("synthetic")
    if synthetic:
        print("synthetic diagnostics (labels are render settings):")
        for family, row in synthetic["by_family"].items():
            deciding = row.get("deciding_control", {})
            print(f"  {family}: segue {row['segue']:.3f} {row['segue_ci95']}, deciding control "
                  f"{deciding.get('name')} {deciding.get('p_at_10', 0):.3f}, random "
                  f"{row['random']:.3f}")
        if "non_music" in synthetic:
            nm = synthetic["non_music"]
            print(f"  non-music (legacy rule, synthetic mix): precision {nm['precision']:.3f}, "
                  f"recall {nm['recall']:.3f}")
