"""`segue lyrics ...` and `segue eval lyrics` subcommands (torch is imported inside handlers).

- ``segue lyrics train NAME FILE... [--minutes N]``: train a new artist from lyric files.
- ``segue lyrics train-bundled``: rebuild the base model and the five bundled artists.
- ``segue lyrics train-new-artist-check``: a base without Shakespeare, then Shakespeare as a new artist.
- ``segue lyrics tune-mixture [--only SLUG...]``: tune each bundled writer's predictor (LSTM + KN +
  song cache) on its selection songs into ``assets/models/lyrics/mixture.json``.
- ``segue lyrics duet A B --lines 8 --seed 1 [--pattern ABAB] [--json] [--melody IN.mid --midi OUT.mid]``:
  write a duet (optionally sung to a MIDI melody, saved with lyric events).
- ``segue lyrics artists [--json]``: list installed artists with their metrics.
- ``segue eval lyrics [--json] [--lines N]``: LSTM vs n-gram baselines on test songs, generated-text metrics.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.argtypes import integer, number
from engine.printable import printable, printable_lines

MAX_MINUTES = 7 * 24 * 60.0  # a week: longer budgets are typos
MINUTES = number(0, MAX_MINUTES, low_open=True)  # 0 is an error, never "no limit"
TEMPERATURE = number(0, 10, low_open=True)


def register(sub: argparse._SubParsersAction, eval_sub: argparse._SubParsersAction) -> None:
    """Add this room's subcommands to `segue` and its entries to `segue eval`."""
    lyrics = sub.add_parser("lyrics", help="duet lyrics written by two artists' character LSTMs")
    lsub = lyrics.add_subparsers(dest="lyrics_command", metavar="ACTION", required=True)

    train = lsub.add_parser("train", help="train a new artist from lyric files or folders")
    train.add_argument("name", help="the artist's display name")
    train.add_argument("files", nargs="+", help="UTF-8 text files or folders (blank line between songs)")
    train.add_argument("--minutes", type=MINUTES, default=15.0, help="time budget (default 15)")
    train.set_defaults(func=_run_train)

    bundled = lsub.add_parser("train-bundled", help="rebuild the base model and the bundled artists")
    bundled.add_argument("--out", type=Path, default=None, help="output folder (default assets)")
    bundled.add_argument("--base-minutes", type=MINUTES, default=24.0)
    bundled.add_argument("--artist-minutes", type=MINUTES, default=5.0)
    bundled.add_argument("--only", nargs="*", default=None, help="artist slugs to fine-tune")
    bundled.add_argument("--force", action="store_true", help="retrain models that exist")
    bundled.add_argument("--artist-lr", type=number(0, 10, low_open=True), default=1e-3,
                         help="fine-tuning learning rate")
    bundled.add_argument("--from-existing", action="store_true",
                         help="keep fine-tuning existing writer models instead of skipping them")
    bundled.set_defaults(func=_run_train_bundled)

    check = lsub.add_parser("train-new-artist-check",
                            help="train a base without Shakespeare, then Shakespeare as a new artist")
    check.add_argument("--out", type=Path, default=None, help="output folder (default assets)")
    check.add_argument("--base-minutes", type=float, default=60.0)
    check.add_argument("--minutes", type=float, default=15.0, help="the new artist's budget")
    check.set_defaults(func=_run_new_artist_check)

    tune = lsub.add_parser("tune-mixture",
                           help="tune the bundled writers' LSTM + n-gram mixtures on selection songs")
    tune.add_argument("--out", type=Path, default=None, help="models folder (default assets)")
    tune.add_argument("--only", nargs="*", default=None, help="writer slugs to tune")
    tune.set_defaults(func=_run_tune_mixture)

    duet = lsub.add_parser("duet", help="write a song with two artists taking turns")
    duet.add_argument("a", help="artist A (slug, name or unique part of it)")
    duet.add_argument("b", help="artist B")
    duet.add_argument("--lines", type=integer(1, 1000), default=8)
    duet.add_argument("--seed", type=integer(0, 2**32 - 1), default=1)
    duet.add_argument("--pattern", default="ABAB", help="ABAB, AABB or stanza")
    duet.add_argument("--temperature", type=TEMPERATURE, default=0.8, help="both artists' temperature")
    duet.add_argument("--temperature-b", type=TEMPERATURE, default=None, help="artist B's temperature")
    duet.add_argument("--start", default="", help="a first line you wrote; the duet continues it")
    duet.add_argument("--melody", type=Path, default=None, help="a MIDI file whose melody to sing")
    duet.add_argument("--midi", type=Path, default=None, help="with --melody: where to save the MIDI")
    duet.add_argument("--json", action="store_true", help="print one JSON object")
    duet.add_argument("--rhyme", default="ABAB", help="rhyme scheme: none, AABB, ABAB or ABCB")
    duet.add_argument("--metre", default="free", help="syllables per line: free, common (8-6-8-6), "
                      "long (8-8-8-8) or short (6-6-8-6)")
    duet.add_argument("--any-words", action="store_true", help="allow invented words (no constraint)")
    duet.add_argument("--candidates", type=int, default=24, help="candidates sampled per line")
    duet.set_defaults(func=_run_duet)

    artists = lsub.add_parser("artists", help="list installed artists and their metrics")
    artists.add_argument("--json", action="store_true", help="print a JSON list")
    artists.set_defaults(func=_run_artists)

    ev = eval_sub.add_parser("lyrics", help="test nats/char: model and LSTM vs KN and equal-data "
                             "n-grams; constrained duets per writer pair")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--lines", type=int, default=200, help="generated lines per writer (0: skip)")
    ev.set_defaults(func=_run_eval)


def _user_error(exc: Exception) -> Exception:
    from engine.errors import UserFacingError

    return UserFacingError(str(exc))


def _stderr_progress(fraction: float, message: str = "") -> None:
    print(f"\r[{fraction * 100:5.1f}%] {message[:110]:<110}", end="", file=sys.stderr, flush=True)


def _run_train(args: argparse.Namespace) -> int:
    from engine.atomic import ensure_writable_dir
    from engine.lyrics.artists import train_artist, user_models_dir
    from engine.lyrics.corpus import CorpusError

    ensure_writable_dir(user_models_dir())  # say "read-only" now, not after the training budget
    try:
        info = train_artist(args.name, args.files, minutes=args.minutes, progress=_stderr_progress)
    except (CorpusError, ValueError) as exc:
        raise _user_error(exc) from exc
    print(file=sys.stderr)
    m = info.metrics
    print(f"{info.name}: {m['val_nats_per_char']:.3f} nats/char after {m['minutes']:.1f} min "
          f"({m['origin']}) -> {info.path}")
    return 0


def _run_train_bundled(args: argparse.Namespace) -> int:
    from engine.lyrics.bundled import train_bundled

    results = train_bundled(args.out, args.base_minutes, args.artist_minutes, args.only, args.force,
                            artist_lr=args.artist_lr, from_existing=args.from_existing,
                            progress=_stderr_progress)
    print(file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0


def _run_tune_mixture(args: argparse.Namespace) -> int:
    from engine.lyrics.mixture_tune import tune_bundled

    print(json.dumps(tune_bundled(args.out, args.only), indent=1))
    return 0


def _run_new_artist_check(args: argparse.Namespace) -> int:
    from engine.lyrics.newartist import train_new_artist_check

    results = train_new_artist_check(args.out, args.base_minutes, args.minutes, progress=_stderr_progress)
    print(file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0


def _run_duet(args: argparse.Namespace) -> int:
    from engine.lyrics import artists
    from engine.lyrics.duet import DuetSpec, continue_duet, duet_text, write_duet

    try:
        a, b = artists.load(args.a), artists.load(args.b)
        spec = DuetSpec(lines=args.lines, pattern=args.pattern, seed=args.seed,
                        temperatures=(args.temperature, args.temperature_b or args.temperature),
                        rhyme=args.rhyme, metre=args.metre, real_words=not args.any_words,
                        candidates=args.candidates)
    except (LookupError, ValueError) as exc:
        raise _user_error(exc) from exc
    if args.start:
        lines = continue_duet([], args.start, (a, b), spec, count=args.lines)
    else:
        lines = write_duet((a, b), spec)
    sung = None
    if args.melody is not None:
        sung = _sing(lines, args.melody, args.midi or args.melody.with_suffix(".lyrics.mid"))
    if args.json:
        out = {"a": a.name, "b": b.name, "pattern": spec.pattern, "seed": spec.seed,
               "rhyme": spec.rhyme, "metre": spec.metre,
               "lines": [{"artist": ln.artist, "text": ln.text} for ln in lines]}
        if sung is not None:
            out["midi"] = {"path": str(sung.path), "syllables": sung.syllables, "notes": sung.notes}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        width = max(len(a.name), len(b.name), 3)
        print(printable_lines(duet_text(lines, spec, width=width)))
    return 0


def _sing(lines: list, melody: Path, out: Path):
    """Set the duet to a melody for ``duet --melody``; user-facing errors for bad MIDI files."""
    from engine.lyrics.melody import set_to_melody
    from engine.music.tune import ImportProblem

    try:
        fit = set_to_melody([ln.text for ln in lines], melody, out)
    except (ImportProblem, ValueError, OSError) as exc:
        raise _user_error(ValueError(f"{melody}: {exc}")) from exc
    print(f"sung {fit.syllables} syllables on {fit.notes} melody notes -> {fit.path}", file=sys.stderr)
    return fit


def _run_artists(args: argparse.Namespace) -> int:
    from engine.lyrics.artists import list_artists

    broken: list[tuple[Path, str]] = []
    found = list_artists(broken)
    if args.json:
        print(json.dumps([a.as_dict() for a in found]
                         + [{"slug": p.stem, "path": str(p), "problem": why} for p, why in broken],
                         indent=2, ensure_ascii=False))
        return 0
    if not found:
        print("no artists installed")
    for path, why in broken:
        print(printable(f"{path.stem:<24} unreadable: {why}"))
    for a in found:
        nats = a.metrics.get("val_nats_per_char")
        where = "bundled" if a.bundled else "yours"
        print(printable(f"{a.name:<24} {where:<8} {nats if nats is not None else '?'} nats/char  "
                        f"({a.slug})"))
    return 0


def _run_eval(args: argparse.Namespace) -> int:
    from engine.lyrics.evaluate import TrainingTextMismatch, evaluate_bundled

    try:
        results = evaluate_bundled(lines=max(0, args.lines))
    except (LookupError, TrainingTextMismatch) as exc:
        raise _user_error(exc) from exc
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for slug, r in results.items():
        if not isinstance(r, dict) or "ngram_kn" not in r or slug == "new_artist":
            continue
        lo, hi = r["ci95"]
        b = r["bits"]
        print(f"{slug:<28} bits/char: model {b['model']:.3f}  lstm {b['lstm']:.3f}  ngram_kn "
              f"{b['ngram_kn']:.3f} (orders {r['ngram_kn_orders']}, w {r['ngram_kn_own_weight']})  "
              f"ngram_equal {b['ngram_equal']:.3f}  gain vs KN {r['gain'] * 100:.1f}% "
              f"[{lo * 100:.1f}, {hi * 100:.1f}]")
    if "new_artist" in results:
        n = results["new_artist"]
        print(f"new artist {n['writer']}: {n['minutes']} min, lstm {n['lstm']:.3f} vs ngram_equal "
              f"{n['ngram_equal']:.3f} ({n['gain'] * 100:.1f}%)")
    for pair, m in results.get("duets", {}).get("pairs", {}).items():
        print(f"{pair:<48} fluency {m['fluency']:.2f}  function endings {m['function_word_endings']:.3f}"
              f" (writers {m['writers_function_word_endings']:.3f})  rhyme {m['rhyme_rate']:.2f}  "
              f"syll {m['syllable_error']:.2f}  words {m['word_validity']:.3f}")
    return 0


BUNDLED_KEYS = ("new_artist", "split_seed")
