"""`segue` subcommands of the dshl room: ``dshl train``, ``dshl import`` (and the other ``dshl``
actions), ``eval dshl``.

``segue compose``, which may also save a ``.segue`` project, is registered by the project layer
(:mod:`engine.project.compose_command`), so this room never imports :mod:`engine.project`.
Handlers import torch and the model lazily so that ``segue --version`` stays instant.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.argtypes import integer, number
from engine.printable import printable


def register(sub: argparse._SubParsersAction, eval_sub: argparse._SubParsersAction) -> None:
    """Add this room's subcommands to `segue` and its entries to `segue eval`."""
    dshl = sub.add_parser("dshl", help="the Deep Segment Hash Learning composer model")
    dshl_sub = dshl.add_subparsers(dest="dshl_command", metavar="ACTION", required=True)

    train = dshl_sub.add_parser("train", help="train the model on the bundled Nottingham tunes")
    train.add_argument("--out", help="output folder (default: SEGUE_HOME/models/dshl)")
    train.add_argument("--L", type=integer(1, 64), default=8, help="number of code groups (default 8)")
    train.add_argument("--K", type=integer(2, 256), default=4, help="symbols per group (default 4)")
    train.add_argument("--alpha", type=number(0), default=0.5, help="bit-balance weight")
    train.add_argument("--hidden", type=integer(1, 4096), default=64, help="LSTM hidden size (default 64)")
    train.add_argument("--seed", type=integer(0), default=0, help="split and training seed")
    train.add_argument("--train-seed", type=integer(0),
                       help="training seed alone (a rerun on the same split; default: --seed)")
    train.add_argument("--positive-hops", type=int, choices=(1, 2), default=2,
                       help="2: successor starts where the segment ends (default); 1: the paper's "
                            "2-beat overlap")
    train.add_argument("--pre-epochs", type=integer(0, 10_000), help="stage 1 epochs")
    train.add_argument("--hash-epochs", type=integer(0, 10_000), help="stage 2 epochs")
    train.add_argument("--rerank-epochs", type=integer(0, 10_000), help="stage 3 epochs")
    train.add_argument("--threads", type=integer(1, 256), default=1, help="torch threads (default 1)")
    train.add_argument("--family", choices=("duple", "triple", "both"),
                       help="meter family: duple (2/4, 4/4, 2/2; the default) or triple (3/4, "
                            "6/8, 9/8, 3/2, 6/4); with --joint, the family to save or both "
                            "(the default: OUT and OUT/triple)")
    train.add_argument("--joint", action="store_true",
                       help="train one network on both families, conditioned on meter")
    train.add_argument("--no-eval", action="store_true",
                       help="save without calibrating and evaluating (run `segue eval dshl`)")
    train.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    train.set_defaults(func=_run_train)

    stack = dshl_sub.add_parser("stack", help="fit the stacked second stage of a trained model "
                                "on its selection split (cross-fitted), then its temperature")
    stack.add_argument("--family", choices=("duple", "triple"), default="duple")
    stack.add_argument("--model", help="model.pt to fit for (default: the active model of the family)")
    stack.add_argument("--no-calibrate", action="store_true",
                       help="keep the temperature (skip composing selection chains)")
    stack.add_argument("--chains", type=integer(1, 10_000), default=200,
                       help="selection chains per temperature and view (default 200)")
    stack.set_defaults(func=_run_stack)

    cmp = dshl_sub.add_parser("compare", help="two models' MRR on the selection split and the "
                              "paired difference B - A with a tune-bootstrap 95 %% interval")
    cmp.add_argument("model_a", help="model.pt (A)")
    cmp.add_argument("model_b", help="model.pt (B), trained on the same tunes and split")
    cmp.set_defaults(func=_run_compare)

    style = dshl_sub.add_parser("style", help="calibrate the sampler (temperature, top-p, top-k) "
                                "on a collection's own tunes so chains leap like them")
    style.add_argument("--collection", default="nottingham")
    style.add_argument("--family", choices=("all", "duple", "triple"), default="all")
    style.add_argument("--chains", type=integer(10, 10_000), default=80,
                       help="chains composed per setting tried (default 80)")
    style.set_defaults(func=_run_style)

    imp = dshl_sub.add_parser("import", help="index a folder of your own MIDI/ABC tunes")
    imp.add_argument("folder")
    imp.add_argument("--name", required=True, help="collection name for `segue compose`")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=_run_import)

    ev = eval_sub.add_parser("dshl", help="Hamming gap, MRR/recall of four rankers, junctions")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--chains", type=integer(1, 100_000), default=100, help="composed chains per mode")
    ev.add_argument("--collection", default="nottingham",
                    help="the bundled 'nottingham' or a collection made by 'segue dshl import'")
    ev.add_argument("--family", choices=("all", "duple", "triple"), default="all",
                    help="meter families to evaluate (default all; top-level keys: duple)")
    ev.set_defaults(func=_run_eval)


def _user_error(exc: Exception):
    """Wrap an exception as the CLI's user-facing error."""
    from engine.errors import UserFacingError

    return UserFacingError(str(exc))


def _run_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.dshl import store
    from engine.dshl.train import TrainConfig, save_trained, train

    family = args.family or ("both" if args.joint else "duple")
    if family == "both" and not args.joint:
        raise _user_error(ValueError("--family both trains one network for both families: "
                                     "add --joint"))
    config = TrainConfig(L=args.L, K=args.K, alpha=args.alpha, seed=args.seed,
                         threads=args.threads, positive_hops=args.positive_hops,
                         family="duple" if family == "both" else family, hidden=args.hidden,
                         train_seed=args.train_seed)
    for name in ("pre_epochs", "hash_epochs", "rerank_epochs"):
        if getattr(args, name) is not None:
            setattr(config, name, getattr(args, name))
    out = None  # --family both: the store's family layout under --out
    if family != "both":
        out = Path(args.out) if args.out else store.family_dir(store.user_dir(), family)
        out.mkdir(parents=True, exist_ok=True)  # before training: a bad folder fails at once
    if args.joint:
        from engine.dshl.joint import save_joint, train_joint

        trained = train_joint(config, log=_log)
    else:
        trained = {family: train(config, log=_log)}
    paths = (save_joint(trained, args.out or store.user_dir()) if out is None
             else [save_trained(*trained[family], out, {})])
    metrics: dict = {}
    if not args.no_eval:
        from engine.dshl.evaluate import calibrate_and_evaluate

        for path in paths:
            metrics[str(path)] = calibrate_and_evaluate(path, log=_log)
        if len(paths) == 1:
            metrics = metrics[str(paths[0])]
    store.clear_cache()
    saved = " ".join(str(path) for path in paths)
    print(json.dumps(metrics) if args.json else f"saved {saved}\n{json.dumps(metrics, indent=2)}")
    return 0


def _run_stack(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.checkpoint import CheckpointError
    from engine.dshl import store
    from engine.dshl.stack_fit import fit_and_save

    path = Path(args.model) if args.model else store.model_dir(args.family) / store.MODEL_FILE
    try:
        out, selection = fit_and_save(path, log=_log)
        store.clear_cache()
        calibration = {}
        if not args.no_calibrate:
            from engine.dshl.evaluate import calibrate

            calibration = calibrate(path, log=_log, chains=args.chains)
    except CheckpointError as exc:
        raise _user_error(exc) from exc
    print(json.dumps({"stacker": str(out) if out else None, "selection": selection,
                      "calibration": calibration}))
    return 0


def _run_style(args: argparse.Namespace) -> int:
    from engine.checkpoint import CheckpointError
    from engine.dshl import store
    from engine.dshl.style_calibrate import calibrate_collection

    families = (list(store.FAMILY_DIRS) if args.collection == store.BUNDLED
                else store.collection_families(args.collection)) if args.family == "all" \
        else [args.family]
    stored = {}
    for family in families:
        try:
            record = calibrate_collection(args.collection, family, args.chains, log=_log)
        except (CheckpointError, KeyError, ValueError, OSError) as exc:
            raise _user_error(exc) from exc
        stored[family] = {k: record[k] for k in ("temperature", "top_p", "top_k", "calibration")}
    print(json.dumps(stored, indent=2))
    return 0


def _run_compare(args: argparse.Namespace) -> int:
    from engine.checkpoint import CheckpointError
    from engine.dshl.compare import compare
    from engine.dshl.threads import single_threaded

    try:
        with single_threaded():
            print(json.dumps(compare(args.model_a, args.model_b)))
    except (CheckpointError, OSError) as exc:
        raise _user_error(exc) from exc
    return 0


def _log(message: str) -> None:
    """Training progress goes to stderr so that ``--json`` output stays one object."""
    print(message, file=sys.stderr, flush=True)


def _run_import(args: argparse.Namespace) -> int:
    from engine.atomic import ensure_writable_dir
    from engine.checkpoint import CheckpointError
    from engine.dshl import store
    from engine.dshl.api import import_collection

    try:
        ensure_writable_dir(store.user_dir() / "collections")  # read-only: say so first
        report = import_collection(args.folder, args.name)
    except (ValueError, CheckpointError) as exc:
        raise _user_error(exc) from exc
    if args.json:
        print(json.dumps({"name": report.name, "tunes": report.tunes, "segments": report.segments,
                          "path": str(report.path) if report.path else None,
                          "skipped": [{"file": f, "reason": r} for f, r in report.skipped]}))
    else:
        print(f"{report.name}: {report.tunes} tunes, {report.segments} segments"
              + (f" -> {report.path}" if report.path else ""))
        for name, reason in report.skipped:
            print(printable(f"  skipped {name}: {reason}"))
    return 0 if report.tunes else 1


def _run_eval(args: argparse.Namespace) -> int:
    from engine.checkpoint import CheckpointError
    from engine.dshl.eval_run import run_eval

    try:
        metrics = run_eval(args.collection, args.family, args.chains, log=_log)
    except (CheckpointError, KeyError, ValueError) as exc:
        raise _user_error(exc) from exc
    print(json.dumps(metrics) if args.json else json.dumps(metrics, indent=2))
    return 0
