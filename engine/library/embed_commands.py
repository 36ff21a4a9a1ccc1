"""`segue library train-spectrogram`, `segue library train-lyrics` and the embedding flags of
`segue playlist` (``--embedding``, ``--like``/``--more-like``/``--alpha``, ``--same-cluster``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.argtypes import integer, number
from engine.library.embeddings.choices import OPTIONS as EMBEDDINGS
from engine.library.storage.errors import user_errors


def register(lib_sub: argparse._SubParsersAction, playlist: argparse.ArgumentParser) -> None:
    """Add the training subcommands to `segue library` and the embedding flags to `playlist`."""
    spectro = lib_sub.add_parser(
        "train-spectrogram", help="train the spectrogram VAE on audio files (default: the demo "
        "library, which is how the bundled model was made)")
    spectro.add_argument("paths", nargs="*", metavar="FILE_OR_DIR",
                         help="audio files or folders (default: assets/audio)")
    spectro.add_argument("--out", default=None, metavar="FILE",
                         help="where to save it (default: assets/models/library/"
                         "spectrogram_vae.pt)")
    spectro.add_argument("--steps", type=integer(1, 1_000_000), default=3000)
    spectro.add_argument("--seconds", type=number(1, 86_400), default=600.0,
                         help="time budget (default 600)")
    spectro.add_argument("--seed", type=integer(0, 2**31 - 1), default=0)
    spectro.add_argument("--json", action="store_true", help="print the metrics as JSON")
    spectro.set_defaults(func=user_errors(_run_train_spectrogram))

    lyric = lib_sub.add_parser(
        "train-lyrics", help="train the lyric autoencoder on the bundled lyric corpus (how the "
        "bundled model was made)")
    lyric.add_argument("--out", default=None, metavar="FILE",
                       help="default: assets/models/library/lyrics_autoencoder.pt")
    lyric.add_argument("--per-writer", type=integer(1, 100_000), default=200)
    lyric.add_argument("--steps", type=integer(1, 1_000_000), default=2000)
    lyric.add_argument("--seed", type=integer(0, 2**31 - 1), default=0)
    lyric.add_argument("--json", action="store_true", help="print the metrics as JSON")
    lyric.set_defaults(func=user_errors(_run_train_lyrics))

    playlist.add_argument("--embedding", choices=EMBEDDINGS, default=None,
                          help="which vectors neighbours are found in (default: the Library "
                          "setting, else features)")
    playlist.add_argument("--like", default=None, metavar="TRACK",
                          help="steering: start of the direction (default: the first seed)")
    playlist.add_argument("--more-like", default=None, metavar="TRACK",
                          help="steering: query = seed + alpha·(more-like − like)")
    playlist.add_argument("--alpha", type=number(-10, 10), default=0.5,
                          help="steering strength (default 0.5)")
    playlist.add_argument("--same-cluster", action="store_true",
                          help="stay within the seed's k-means cluster")


def rules_from_args(args: argparse.Namespace) -> dict[str, object]:
    """The PlaylistRules fields the embedding flags set."""
    from engine.library.embeddings.choices import in_use

    return {"embedding": args.embedding or in_use(), "steer_from": args.like,
            "steer_to": args.more_like, "steer_alpha": args.alpha,
            "same_cluster": args.same_cluster}


def _audio_files(items: list[str]) -> list[Path]:
    from engine.errors import UserFacingError
    from engine.library.scan.scanner import iter_audio_files

    found: list[Path] = []
    for item in items:
        path = Path(item).expanduser()
        if path.is_dir():
            found.extend(iter_audio_files(path))
        elif path.is_file():
            found.append(path)
        else:
            raise UserFacingError(f"{item}: no such file or folder")
    return found


def _run_train_spectrogram(args: argparse.Namespace) -> int:
    from engine.errors import UserFacingError
    from engine.library.embeddings.spectro_store import bundled_path
    from engine.library.embeddings.spectro_vae import SpectrogramVAEConfig, train_spectrogram_vae
    from engine.library.scan.duplicates import demo_folder

    files = _audio_files(args.paths or [str(demo_folder())])
    if not files:
        raise UserFacingError("no audio files to train on")
    config = SpectrogramVAEConfig(steps=args.steps, max_seconds=args.seconds, seed=args.seed)
    out = Path(args.out) if args.out else bundled_path()
    try:
        _, metrics = train_spectrogram_vae(files, out, config)
    except ValueError as exc:
        raise UserFacingError(str(exc)) from exc
    print(json.dumps(metrics) if args.json else
          f"spectrogram VAE: loss {metrics['loss_first']:.2f} → {metrics['loss_last']:.2f}, "
          f"selection MSE {metrics['selection_mse_before']:.2f} → "
          f"{metrics['selection_mse_after']:.2f} in {metrics['steps']} steps; saved to {out}")
    return 0


def _run_train_lyrics(args: argparse.Namespace) -> int:
    from engine.library.embeddings.lyric_embed import (
        bundled_autoencoder_path,
        corpus_songs,
        train_lyric_autoencoder,
    )

    out = Path(args.out) if args.out else bundled_autoencoder_path()
    songs = corpus_songs(per_writer=args.per_writer, seed=args.seed)
    _, metrics = train_lyric_autoencoder(songs, out, steps=args.steps, seed=args.seed)
    print(json.dumps(metrics) if args.json else
          f"lyric autoencoder: selection MSE {metrics['selection_mse']:.3f} (untrained "
          f"{metrics['selection_mse_untrained']:.3f}, predicting the mean "
          f"{metrics['selection_mse_predict_mean']:.3f}) on {metrics['songs']} songs; "
          f"saved to {out}")
    return 0
