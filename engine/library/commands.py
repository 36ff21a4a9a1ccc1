"""`segue library ...`, `segue playlist ...` and `segue eval playlist` (the library room's CLI)."""

from __future__ import annotations

import argparse
import json
import sys

from engine.argtypes import integer, number
from engine.library import embed_commands
from engine.library.storage.errors import user_errors
from engine.library.storage.fspath import display


def register(sub: argparse._SubParsersAction, eval_sub: argparse._SubParsersAction) -> None:
    """Add this room's subcommands to `segue` and its entries to `segue eval`."""
    library = sub.add_parser("library", help="scan folders into your music library, list it")
    lib_sub = library.add_subparsers(dest="library_command", metavar="ACTION", required=True)

    scan = lib_sub.add_parser("scan", help="scan a folder (incremental, resumable)")
    scan.add_argument("folder", metavar="DIR")
    scan.add_argument("--workers", type=_workers, default=2,
                      help="analysis processes, 1 to the CPU count (default 2)")
    scan.add_argument("--cluster", default=None, metavar="tcp://HOST:8786",
                      help="analyse on this Dask scheduler's workers (pip install 'segue[cluster]')")
    scan.add_argument("--send-audio", action="store_true",
                      help="with --cluster: always send the files to the workers (else only to "
                      "workers that cannot see them)")
    scan.add_argument("--json", action="store_true", help="print one JSON object")
    scan.set_defaults(func=user_errors(_run_scan))

    check = lib_sub.add_parser("cluster-check",
                               help="list a Dask cluster's workers and what they can see")
    check.add_argument("address", metavar="tcp://HOST:8786")
    check.add_argument("--folder", action="append", default=None, metavar="DIR",
                       help="folder the workers should see (default: the library's folders)")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(func=user_errors(_run_cluster_check))

    listing = lib_sub.add_parser("list", help="list the library's tracks (kind and tags too)")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.add_argument("--copies", action="store_true",
                         help="also list files whose audio another track holds (folded by default)")
    listing.set_defaults(func=user_errors(_run_list))

    demo = lib_sub.add_parser("remove-demo", help="take the bundled demo tracks out of the "
                              "library (they do not come back by themselves)")
    demo.add_argument("--yes", action="store_true", help="do it without asking")
    demo.add_argument("--dry-run", action="store_true", help="only list them")
    demo.add_argument("--json", action="store_true", help="print one JSON object")
    demo.set_defaults(func=user_errors(_run_remove_demo))

    train_kind = lib_sub.add_parser(
        "train-kind", help="fit the music / speech / other detector on the real recordings "
        "(how assets/models/library/kind.json was made)")
    train_kind.add_argument("--cache", default=None, metavar="DIR",
                            help="the real recordings (default: SEGUE_HOME/cache/realset)")
    train_kind.add_argument("--out", default=None, metavar="FILE",
                            help="default: assets/models/library/kind.json")
    train_kind.add_argument("--json", action="store_true", help="print the fit's report as JSON")
    train_kind.set_defaults(func=user_errors(_run_train_kind))

    imp = lib_sub.add_parser("import", help="import an M3U/M3U8/XSPF playlist")
    imp.add_argument("playlist", metavar="FILE")
    imp.add_argument("--name", default="", help="playlist name (default: the file name)")
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    imp.set_defaults(func=user_errors(_run_import))

    spotify = lib_sub.add_parser(
        "spotify", help="enrich artist genres from Spotify (optional, online; needs "
        "SPOTIPY_CLIENT_ID/SPOTIPY_CLIENT_SECRET)")
    spotify.add_argument("--json", action="store_true", help="print one JSON object")
    spotify.set_defaults(func=user_errors(_run_spotify))

    playlist = sub.add_parser("playlist", help="build a playlist from seed tracks")
    playlist.add_argument("--seed", action="append", required=True, metavar="TRACK",
                          help="seed track: an id, a path, a title or \"artist - title\" "
                          "(repeat for several)")
    playlist.add_argument("--length", type=integer(1, 100_000), default=10,
                          help="number of tracks (default 10)")
    playlist.add_argument("--duration", type=number(0, 100_000, low_open=True), default=None,
                          metavar="MINUTES",
                          help="stop at this total duration instead of a count")
    playlist.add_argument("--no-repeat-artist", type=integer(0, 100_000), default=0, metavar="N",
                          help="no track by the same artist within N tracks")
    playlist.add_argument("--no-repeat-album", type=integer(0, 100_000), default=0, metavar="N",
                          help="no track from the same album within N tracks")
    playlist.add_argument("--max-tempo-jump", type=number(0, 1000), default=None, metavar="BPM")
    playlist.add_argument("--include-seeds", action="store_true", help="start with the seeds")
    playlist.add_argument("--allow-duplicates", action="store_true",
                          help="keep the same song from several albums (or the same audio)")
    playlist.add_argument("--include-non-music", action="store_true",
                          help="also take speech, sound effects and field recordings")
    playlist.add_argument("--tag", action="append", default=None, metavar="TAG",
                          help="only tracks the tagger tagged TAG, e.g. jazz (repeat: any of them)")
    playlist.add_argument("--to", default=None, metavar="PATH_OR_ID",
                          help="walk from the (first) seed to this track")
    playlist.add_argument("--out", default=None, metavar="FILE", help=".m3u8 or .xspf")
    playlist.add_argument("--name", default="", help="also save it in the library under a name")
    playlist.add_argument("--json", action="store_true", help="print one JSON object")
    playlist.set_defaults(func=user_errors(_run_playlist))
    embed_commands.register(lib_sub, playlist)  # train-spectrogram, train-lyrics, --embedding...

    evaluate = eval_sub.add_parser(
        "playlist", help="precision@10 on real recordings (fetch them with --fetch) and the "
        "synthetic diagnostics")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--fetch", action="store_true",
                          help="download and build the real-recordings set (apt-get download), "
                          "then stop")
    evaluate.add_argument("--cache", default=None, metavar="DIR",
                          help="the real-recordings set (default: SEGUE_HOME/cache/realset)")
    evaluate.add_argument("--offline", action="store_true",
                          help="with --fetch: only the .deb files already in the cache")
    evaluate.add_argument("--no-speech", action="store_true",
                          help="with --fetch: do not synthesise speech")
    evaluate.add_argument("--no-synthetic", action="store_true",
                          help="skip the synthetic diagnostics (minutes of rendering)")
    evaluate.add_argument("--rebuild", action="store_true", help="re-render the synthetic set")
    evaluate.set_defaults(func=user_errors(_run_eval))


def _workers(text: str) -> int:
    """``--workers``: an integer from 1 to the CPU count."""
    from engine.library.scan.pool import max_workers

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= max_workers():
        raise argparse.ArgumentTypeError(
            f"must be from 1 to {max_workers()} (this machine's CPU count), not {value}")
    return value


def _user_error(exc: Exception) -> Exception:
    from engine.errors import UserFacingError

    return UserFacingError(str(exc.args[0]) if exc.args else str(exc))


def _run_scan(args: argparse.Namespace) -> int:
    from engine.jobs import no_progress
    from engine.library.service import scan

    def report(fraction: float, message: str) -> None:
        print(f"\r{fraction * 100:5.1f}%  {message[:70]:<70}", end="", file=sys.stderr)

    try:
        result = scan(args.folder, no_progress if args.json else report, workers=args.workers,
                      cluster=args.cluster, send_audio=args.send_audio)
    except (NotADirectoryError, FileNotFoundError) as exc:
        raise _user_error(exc) from exc
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        print(file=sys.stderr)
        print(f"{result.added} added, {result.updated} updated, {result.moved} moved, "
              f"{result.removed} removed, {len(result.skipped)} skipped "
              f"in {result.seconds:.1f} s")
        for skip in result.skipped:
            print(f"  skipped {display(skip.path)}: {skip.reason}")
    return 0


def _run_cluster_check(args: argparse.Namespace) -> int:
    from engine.library.scan.cluster_check import cluster_check, library_folders

    folders = args.folder or library_folders()
    report = cluster_check(args.address, [str(f) for f in folders])
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"{report['scheduler']}: {len(report['workers'])} workers, {report['threads']} threads, "
          f"{report['memory_mb'] / 1024:.1f} GB memory")
    for w in report["workers"]:
        seen = ", ".join(f"{'sees' if ok else 'does not see'} {display(f)}"
                         for f, ok in w["sees"].items())
        print(f"  {w['address']}: {w['threads']} threads, {w['memory_mb'] / 1024:.1f} GB, "
              f"{w['segue']}{'; ' + seen if seen else ''}")
    for folder, count in report["folders"].items():
        if count < len(report["workers"]):
            print(f"  {len(report['workers']) - count} workers do not see {display(folder)}: "
                  "the scan sends them the files' bytes")
    return 0


def _run_list(args: argparse.Namespace) -> int:
    from engine.library.service import list_tracks

    rows = list_tracks(copies=args.copies)
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], ensure_ascii=False))
    else:
        for r in rows:
            label = " - ".join(x for x in (r.artist, r.title) if x)
            kind = f"  ({r.kind})" if r.kind and r.kind != "music" else \
                ("  (non-music)" if not r.kind and not r.is_music else "")
            tags = f"  #{' #'.join(r.tags)}" if r.tags else ""
            demo = "  [demo]" if r.demo else ""
            print(f"{r.id:6d}  {r.status:8s}  {r.duration:7.1f}s  {label}{kind}{tags}{demo}  "
                  f"[{display(r.path)}]")
    return 0


def _run_remove_demo(args: argparse.Namespace) -> int:
    from engine.library.demo import remove_demo

    found = remove_demo(dry_run=True)
    if not found.removed:
        print(json.dumps(found.as_dict()) if args.json else "no demo tracks in the library")
        return 0
    if args.dry_run:
        print(json.dumps(found.as_dict(), ensure_ascii=False) if args.json else
              "\n".join([f"would remove {found.removed} demo tracks:"] +
                        [f"  {display(p)}" for p in found.paths]))
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            from engine.errors import UserFacingError

            raise UserFacingError(f"{found.removed} demo tracks would be removed: add --yes to "
                                  "confirm (or --dry-run to list them)")
        answer = input(f"Remove the {found.removed} demo tracks from the library? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return 0
    done = remove_demo()
    print(json.dumps(done.as_dict(), ensure_ascii=False) if args.json else
          f"removed {done.removed} demo tracks (add the folder {display(_demo_folder())} "
          "to bring them back)")
    return 0


def _demo_folder() -> str:
    from engine.library.scan import duplicates

    return str(duplicates.demo_folder())


def _run_train_kind(args: argparse.Namespace) -> int:
    from engine.library.evaluation.kind_fit import train_kind

    report = train_kind(cache=args.cache, out=args.out)
    print(json.dumps(report) if args.json else
          f"kind detector written to {report['out']}: selection accuracy "
          f"{report['selection']['accuracy']:.3f}, non-music precision "
          f"{report['selection']['non_music_precision']:.3f}, recall "
          f"{report['selection']['non_music_recall']:.3f} (l2 {report['l2']})")
    return 0


def _run_import(args: argparse.Namespace) -> int:
    from engine.library.service import import_playlist

    try:
        result = import_playlist(args.playlist, args.name)
    except (OSError, ValueError) as exc:
        raise _user_error(exc) from exc
    payload = {"playlist_id": result.playlist_id, "tracks": len(result.track_ids),
               "missing": [display(p) for p in result.missing]}
    print(json.dumps(payload, ensure_ascii=False) if args.json else
          f"imported {len(result.track_ids)} tracks ({len(result.missing)} not in the library)")
    return 0


def _run_spotify(args: argparse.Namespace) -> int:
    from engine.library.spotify import enrich_library, settings_from_env

    report = enrich_library(settings_from_env())
    print(json.dumps(report.as_dict()) if args.json else report.message)
    return 0


def _run_playlist(args: argparse.Namespace) -> int:
    import os

    # One query does a few small matrix products: OpenBLAS's thread pool would cost more to start
    # than it saves (numpy is not loaded yet here; a caller's own setting wins).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from engine.library.playlists.build import PlaylistRules
    from engine.library.service import make_playlist

    rules = PlaylistRules(
        length=None if args.duration else args.length,
        max_duration=args.duration * 60.0 if args.duration else None,
        no_repeat_artist=args.no_repeat_artist,
        no_repeat_album=args.no_repeat_album,
        dedupe_songs=not args.allow_duplicates,
        max_tempo_jump=args.max_tempo_jump,
        include_seeds=args.include_seeds,
        include_non_music=args.include_non_music,
        tags=tuple(args.tag or ()),
        **embed_commands.rules_from_args(args),
    )
    try:
        result = make_playlist(args.seed, rules, out=args.out, path_to=args.to, name=args.name)
    except (LookupError, ValueError) as exc:
        raise _user_error(exc) from exc
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps({"tracks": [i.as_dict() for i in result.items], "out": result.out,
                          "notes": result.notes}, ensure_ascii=False))
    else:
        for position, item in enumerate(result.items, 1):
            label = " - ".join(x for x in (item.artist, item.title) if x)
            print(f"{position:3d}. {label}  ({item.distance:.3f})  {display(item.path)}")
        if result.out:
            print(f"written to {result.out}")
    return 0


def _run_eval(args: argparse.Namespace) -> int:
    if args.fetch:
        from engine.library.evaluation.realset import main

        argv = (["--cache", args.cache] if args.cache else []) + \
            (["--offline"] if args.offline else []) + (["--no-speech"] if args.no_speech else [])
        return main(argv, prog="segue eval playlist --fetch")
    from engine.library.evaluation.report import evaluate_all, print_report

    try:
        report = evaluate_all(cache=args.cache, synthetic=not args.no_synthetic,
                              rebuild=args.rebuild)
    except (FileNotFoundError, RuntimeError) as exc:
        raise _user_error(exc) from exc
    for warning in report.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 0
