"""`segue` subcommands of the dshl room: ``dshl train``, ``dshl import``, ``compose``, ``eval dshl``.

Handlers import torch and the model lazily so that ``segue --version`` stays instant.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction, eval_sub: argparse._SubParsersAction) -> None:
    """Add this room's subcommands to `segue` and its entries to `segue eval`."""
    dshl = sub.add_parser("dshl", help="the Deep Segment Hash Learning composer model")
    dshl_sub = dshl.add_subparsers(dest="dshl_command", metavar="ACTION", required=True)

    train = dshl_sub.add_parser("train", help="train the model on the bundled Nottingham tunes")
    train.add_argument("--out", help="output folder (default: SEGUE_HOME/models/dshl)")
    train.add_argument("--L", type=int, default=8, help="number of code groups (default 8)")
    train.add_argument("--K", type=int, default=4, help="symbols per group (default 4)")
    train.add_argument("--alpha", type=float, default=0.5, help="bit-balance weight")
    train.add_argument("--seed", type=int, default=0, help="split and training seed")
    train.add_argument("--positive-hops", type=int, choices=(1, 2), default=2,
                       help="2: successor starts where the segment ends (default); 1: the paper's "
                            "2-beat overlap")
    train.add_argument("--pre-epochs", type=int, help="stage 1 epochs")
    train.add_argument("--hash-epochs", type=int, help="stage 2 epochs")
    train.add_argument("--rerank-epochs", type=int, help="stage 3 epochs")
    train.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    train.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    train.set_defaults(func=_run_train)

    imp = dshl_sub.add_parser("import", help="index a folder of your own MIDI/ABC tunes")
    imp.add_argument("folder")
    imp.add_argument("--name", required=True, help="collection name for `segue compose`")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=_run_import)

    compose = sub.add_parser("compose", help="compose a tune from hashed segments (DSHL)")
    compose.add_argument("--segments", type=int, default=8, help="chain length (4 beats each)")
    compose.add_argument("--seed", type=int, help="random seed (same seed, same chain)")
    compose.add_argument("--out", help="MIDI file to write (default tune.mid, or none with --project)")
    compose.add_argument("--project", help="also (or, without --out, only) write a .segue project")
    compose.add_argument("--key", default="C", help="output key, e.g. D, Bb, F#m")
    compose.add_argument("--tempo", type=float, default=120.0, help="beats per minute")
    compose.add_argument("--collection", default="nottingham",
                         help="bundled 'nottingham' or a name given to `segue dshl import`")
    compose.add_argument("--mode", choices=("min", "max"), default="min",
                         help="min: nearest codes + re-ranker; max: farthest codes (paper Task 2)")
    compose.add_argument("--reuse-limit", type=int, default=2,
                         help="max segments from one tune (0 = no limit)")
    compose.add_argument("--start", type=int, help="segment id to start from")
    compose.add_argument("--start-midi", help="start from the segment closest to this MIDI phrase")
    compose.add_argument("--continue", dest="continue_midi", metavar="PHRASE.mid",
                         help="continue your phrase: its nearest segments start the chain, "
                              "then --segments more follow")
    compose.add_argument("--no-ending", action="store_true", help="do not prefer a tune ending")
    compose.add_argument("--melody-program", type=int, default=73, help="General MIDI program")
    compose.add_argument("--chord-program", type=int, default=0, help="General MIDI program")
    compose.add_argument("--json", action="store_true", help="print the chain as JSON")
    compose.set_defaults(func=_run_compose)

    ev = eval_sub.add_parser("dshl", help="Hamming gap, MRR/recall of four rankers, junctions")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--chains", type=int, default=100, help="composed chains per mode")
    ev.set_defaults(func=_run_eval)


def _user_error(exc: Exception):
    """Wrap an exception as the CLI's user-facing error."""
    from engine.errors import UserFacingError

    return UserFacingError(str(exc))


def _run_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.dshl import store
    from engine.dshl.evaluate import evaluate
    from engine.dshl.train import TrainConfig, save_trained, train

    config = TrainConfig(L=args.L, K=args.K, alpha=args.alpha, seed=args.seed,
                         threads=args.threads, positive_hops=args.positive_hops)
    for name in ("pre_epochs", "hash_epochs", "rerank_epochs"):
        if getattr(args, name) is not None:
            setattr(config, name, getattr(args, name))
    out = Path(args.out) if args.out else store.user_dir()
    trained, corpus = train(config, log=_log)
    loaded_like = store.LoadedModel(out / "model.pt", trained.model, trained.reranker,
                                    _stat(trained), list(corpus.vocab),
                                    [corpus.tunes[t] for t in trained.heldout], {}, {})
    col = store.index_corpus(store.BUNDLED, corpus, loaded_like)
    metrics = evaluate(col, loaded_like.heldout, config.rerank_pool)
    path = save_trained(trained, corpus, out, metrics)
    store.clear_cache()
    print(json.dumps(metrics) if args.json else f"saved {path}\n{json.dumps(metrics, indent=2)}")
    return 0


def _log(message: str) -> None:
    """Training progress goes to stderr so that ``--json`` output stays one object."""
    print(message, file=sys.stderr, flush=True)


def _stat(trained):
    from engine.dshl.pairs import TransitionStat

    return TransitionStat(trained.stat_chord, trained.stat_pitch)


def _run_import(args: argparse.Namespace) -> int:
    from engine.checkpoint import CheckpointError
    from engine.dshl.api import import_collection

    try:
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
            print(f"  skipped {name}: {reason}")
    return 0 if report.tunes else 1


def _run_compose(args: argparse.Namespace) -> int:
    from engine.checkpoint import CheckpointError
    from engine.dshl.api import ComposeRequest, compose, provenance, write_midi

    try:
        start = args.start
        if args.start_midi:
            from engine.dshl.phrase import closest_segment

            start = closest_segment(args.start_midi, args.collection)
        request = ComposeRequest(
            segments=args.segments, seed=args.seed, key=args.key, tempo=args.tempo,
            mode=args.mode, reuse_limit=args.reuse_limit or None, collection=args.collection,
            start=start, prefer_ending=not args.no_ending,
            melody_program=args.melody_program, chord_program=args.chord_program)
        if args.continue_midi:
            from engine.dshl.chain import continue_phrase

            chain = continue_phrase(args.continue_midi, request).chain
        else:
            chain = compose(request)
        out = write_midi(chain, args.out or "tune.mid") if args.out or not args.project else None
        if args.project:
            from engine.project.chain import save_chain_project

            save_chain_project(chain, args.project)
    except (ValueError, CheckpointError, OSError) as exc:
        raise _user_error(exc) from exc
    if args.json:
        print(json.dumps({
            "segments": [{"id": it.id, "tune": it.tune, "position": it.position,
                          "distance": it.distance, "score": round(it.score, 4),
                          "ends_tune": it.ends_tune} for it in chain.items],
            "out": str(out) if out else None, "project": args.project,
            "key": request.key, "tempo": request.tempo, "mode": request.mode,
            "collection": request.collection, "seed": request.seed,
            "provenance": provenance(chain)}))
    else:
        written = " and ".join(str(p) for p in (out, args.project) if p)
        print(f"wrote {written}: " + " ".join(f"{it.tune}#{it.position}" for it in chain.items))
    return 0


def _run_eval(args: argparse.Namespace) -> int:
    from engine.checkpoint import CheckpointError
    from engine.dshl import store
    from engine.dshl.evaluate import evaluate

    try:
        col = store.load_collection(store.BUNDLED)
    except CheckpointError as exc:
        raise _user_error(exc) from exc
    from engine.dshl.threads import single_threaded

    pool = int(col.loaded.config.get("train", {}).get("rerank_pool", 200))
    with single_threaded():
        metrics = evaluate(col, col.loaded.heldout, pool, args.chains)
    print(json.dumps(metrics) if args.json else json.dumps(metrics, indent=2))
    return 0
