"""`segue comment ...` and `segue eval commentary` subcommands (torch is imported inside handlers).

- ``segue comment --tags "rock, energetic" --n 5 [--track PATH_OR_ID] [--gan|--no-gan]
  [--temperature T] [--top-p P] [--seed 1] [--json]``: write paragraphs (VAE and GAN-refined).
- ``segue comment train [--minutes N] [--out DIR] [--only gan]``: rebuild the models.
- ``segue eval commentary [--json] [--only paragraphs]``: the test-split figures (perplexities,
  KL, GAN lift, tag recovery; paragraphs: distinct-2, copies, tag mention, contradictions,
  coverage of common tags).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.argtypes import integer, number


def register(sub: argparse._SubParsersAction, eval_sub: argparse._SubParsersAction) -> None:
    """Add this room's subcommands to `segue` and its entries to `segue eval`."""
    comment = sub.add_parser("comment", help="music commentary from tags or a library track",
                             description="Write commentary from tags or a library track; "
                                         "`segue comment train` rebuilds the models.")
    comment.add_argument("action", nargs="?", choices=["train"], help="train: rebuild the models")
    comment.add_argument("--tags", default="", help='comma-separated tags, e.g. "rock, energetic"')
    comment.add_argument("--n", type=integer(1, 1000), default=5, help="how many samples (default 5)")
    comment.add_argument("--track", default=None, help="a library track (path or id) to describe")
    comment.add_argument("--gan", dest="gan", action="store_true", default=True,
                         help="print the GAN-refined samples (the default)")
    comment.add_argument("--no-gan", dest="gan", action="store_false", help="print the plain VAE's")
    comment.add_argument("--temperature", type=number(0, 10), default=None,
                         help="sampling temperature (default: the model's, 0.9); 0 = greedy")
    comment.add_argument("--top-p", dest="top_p", type=number(0, 1, low_open=True), default=None,
                         help="nucleus sampling mass (default: the model's, 0.9)")
    comment.add_argument("--seed", type=integer(0, 2**32 - 1), default=1)
    comment.add_argument("--json", action="store_true", help="print one JSON object")
    comment.add_argument("--minutes", type=number(0, 10080, low_open=True), default=20.0,
                         help="train: time budget")
    comment.add_argument("--epochs", type=integer(1, 10_000), default=30, help="train: most CVAE epochs")
    comment.add_argument("--out", type=Path, default=None, help="train: output folder")
    comment.add_argument("--hidden", type=integer(1, 4096), default=128, help="train: LSTM size")
    comment.add_argument("--embed", type=integer(1, 4096), default=64, help="train: word embedding size")
    comment.add_argument("--threads", type=integer(1, 256), default=1, help="train: torch threads")
    comment.add_argument("--only", choices=["gan", "decoding"], default=None,
                         help="train: retrain only the LC-GAN on the existing CVAE and topics, "
                              "or only choose the sampling settings on the selection split")
    comment.add_argument("--models", type=Path, default=None,
                         help="model folder (default: the bundled models)")
    comment.set_defaults(func=_run_comment)

    ev = eval_sub.add_parser("commentary", help="test-split perplexities, KL, GAN lift, tags")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--models", type=Path, default=None, help="model folder (default bundled)")
    ev.add_argument("--only", choices=["paragraphs"], default=None,
                    help="paragraphs: only the written-paragraph figures (a few minutes)")
    ev.set_defaults(func=_run_eval)


def _stderr_progress(fraction: float, message: str = "") -> None:
    print(f"[{fraction * 100:5.1f}%] {message[:110]}", file=sys.stderr, flush=True)


def _run_comment(args: argparse.Namespace) -> int:
    if args.action == "train":
        return _run_train(args)
    from engine.commentary import service

    result = service.comment(args.tags, n=args.n, track=args.track, temperature=args.temperature,
                             seed=args.seed, models=args.models, top_p=args.top_p)
    samples = [p.gan if args.gan else p.vae for p in result.pairs]
    if args.json:
        print(json.dumps({"samples": samples, "tags": result.tags,
                          "unknown_tags": result.unknown_tags, "understood": result.understood,
                          "derived_from": result.derived_from, "gan": args.gan,
                          "plan": [p.plan for p in result.pairs]}, ensure_ascii=False, indent=2))
        return 0
    for item in result.understood:
        if item["status"] not in ("known",):
            print(f"tag {item['note']}", file=sys.stderr)
    for tag, why in result.derived_from.items():
        print(f"heard {tag} ← {why}", file=sys.stderr)
    print(f"tags: {', '.join(result.tags) or '(none: unconditioned)'}", file=sys.stderr)
    for paragraph in samples:
        print(paragraph)
    return 0


def _run_train(args: argparse.Namespace) -> int:
    import torch

    from engine.commentary.train import TrainPlan, train_all, train_only_gan

    torch.set_num_threads(max(1, args.threads))
    plan = TrainPlan(minutes=args.minutes, max_epochs=args.epochs, seed=args.seed,
                     hidden=args.hidden, embed=args.embed)
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    if args.only == "gan":
        result = train_only_gan(args.out, plan, progress=_stderr_progress, log=log)
    elif args.only == "decoding":
        from engine.commentary.choose_decoding import choose_decoding

        result = choose_decoding(args.out, progress=_stderr_progress, log=log)
    else:
        result = train_all(args.out, plan, progress=_stderr_progress, log=log)
    print(json.dumps(result, indent=2))
    return 0


def _run_eval(args: argparse.Namespace) -> int:
    import torch

    from engine.commentary.evaluate import evaluate

    torch.set_num_threads(1)
    if args.only == "paragraphs":
        from engine.commentary.evaluate_paragraphs import evaluate_paragraphs

        results = evaluate_paragraphs(args.models, progress=_stderr_progress)
    else:
        results = evaluate(args.models, progress=_stderr_progress)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for key, value in results.items():
        print(f"{key:<24} {value}")
    return 0
