"""The labelled set of `segue eval playlist`: which MIDI files, how each is rendered, and its split.

Three label families, each retrieved within itself (``engine/library/evaluation/run.py``):

* ``dance`` — Nottingham tunes labelled by dance type (jig, reel, waltz, slip jig; hornpipes
  reported apart), artist = the instrument sound. The labels are metres in disguise (6/8, 4/4,
  3/4, 9/8): ``one_metre`` is false and a time-signature control is near perfect there.
* ``timbre`` — the same 4/4 reels rendered by six General MIDI instrument families (two
  programs each), label = family, artist = the tune: retrieval is tune-disjoint.
* ``drums`` — Groove MIDI 4/4 beats of the styles played by at least three drummers, label =
  style, artist = drummer: retrieval is drummer-disjoint. The other Groove beats are fit-only.

Every render lasts at least :data:`MIN_SECONDS` (a tune is played again, as a session plays it
two or three times), so the scanner takes the 3 × 20 s excerpt path that real 4-minute tracks
take. Each label is heard through two SoundFonts (the bundled TimGM6mb and Debian's
``fluid-soundfont-gm``); without the second one the eval still runs, with one sound per program,
and says so (:func:`soundfont_warning`).

Splits are by *group* (a tune or a drum file: all its renders on one side), seeded and
stratified per label: ``fit`` (what an embedding may be trained on), ``selection`` (choices)
and ``test`` (reported figures).
"""

from __future__ import annotations

import copy
import csv
import functools
import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import paths

SET_VERSION = 2
SEED = 12
MIN_SECONDS = 75.0
MAX_SECONDS = 110.0
SAMPLE_RATE = 22050
SECOND_SOUNDFONT_PATHS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2",)
SOUNDFONT_ENV = "SEGUE_EVAL_SOUNDFONT"

DANCE_LABELS: dict[str, tuple[str, ...]] = {
    "jig": ("jigs",),
    "reel": ("reelsa-c", "reelsd-g", "reelsh-l", "reelsm-q", "reelsr-t", "reelsu-z"),
    "waltz": ("waltzes",),
    "hornpipe": ("hpps",),
    "slip jig": ("slip",),
}
DANCE_EXTRA = ("hornpipe",)  # rendered, reported apart (no audio cue tells them from reels)
DANCE_PER_LABEL = 40
DANCE_INSTRUMENTS: dict[str, int] = {"piano": 0, "accordion": 21, "guitar": 24, "violin": 40,
                                     "flute": 73}
TIMBRE_FAMILIES: dict[str, tuple[int, int]] = {
    "piano": (0, 1), "organ": (16, 19), "guitar": (24, 25), "strings": (40, 48),
    "brass": (56, 61), "reed": (65, 71),
}
TIMBRE_TUNES = 40
DRUM_MIN_DRUMMERS = 3
SPLITS = ("fit", "selection", "test")
SPLIT_SHARES: dict[str, tuple[float, float]] = {  # (fit, selection) shares; the rest is test
    "dance": (0.4, 0.2), "timbre": (0.4, 0.2), "drums": (0.0, 0.25),
}


@dataclass(frozen=True)
class LabelledTune:
    """A MIDI file, how to render it, its family, label, artist, group and split."""

    midi: str
    family: str  # "dance", "timbre", "drums" or "fit" (fit-only: never queried)
    label: str
    artist: str  # the artist filter leaves out neighbours by the same artist
    group: str  # split unit: every render of one tune or drum file
    program: int | None  # None: keep the file's programs (drums)
    soundfont: str  # "timgm" or "fluid"
    metre: str
    name: str
    split: str = "fit"


def nottingham_dir() -> Path:
    """The bundled Nottingham MIDI folder."""
    return paths.assets_dir() / "nottingham" / "MIDI"


def groove_dir() -> Path:
    """The bundled Groove MIDI subset."""
    return paths.assets_dir() / "eval" / "groove"


def second_soundfont() -> Path | None:
    """The second General MIDI SoundFont (``$SEGUE_EVAL_SOUNDFONT`` or Debian's), if installed."""
    candidates = [os.environ.get(SOUNDFONT_ENV, ""), *SECOND_SOUNDFONT_PATHS]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def soundfont_warning() -> str | None:
    """One clear line when the second SoundFont is missing (the eval then uses one SoundFont)."""
    if second_soundfont() is not None:
        return None
    return ("the second SoundFont is missing (install Debian's fluid-soundfont-gm, as "
            "scripts/system-deps.sh does, or set SEGUE_EVAL_SOUNDFONT): every label is heard "
            "through TimGM6mb only")


def soundfont_path(name: str) -> Path | None:
    """The SoundFont file of ``name`` (None: the synth's default TimGM6mb)."""
    return second_soundfont() if name == "fluid" else None


def _file_number(path: Path) -> int:
    digits = "".join(ch for ch in path.stem if ch.isdigit())
    return int(digits) if digits else 0


@functools.lru_cache(maxsize=4096)
def midi_metre(path: str) -> str:
    """The first time signature of a MIDI file ("4/4" when it has none).

    Reads the first time-signature meta event (FF 58 04 nn dd ..) from the bytes: parsing every
    note of 700 files just for their metre took most of a test's time.
    """
    data = Path(path).read_bytes()
    at = data.find(b"\xff\x58\x04")
    if at < 0 or at + 5 > len(data):
        return "4/4"
    return f"{data[at + 3]}/{2 ** data[at + 4]}"


def _dance_files(prefixes: tuple[str, ...]) -> list[Path]:
    return sorted((p for p in nottingham_dir().glob("*.mid")
                   if p.stem.rstrip("0123456789") in prefixes),
                  key=lambda p: (p.stem.rstrip("0123456789"), _file_number(p)))


def _sound(index: int) -> str:
    return ("timgm", "fluid")[(index // 2) % 2]


def _dance_tunes(per_label: int) -> list[LabelledTune]:
    tunes, artists = [], list(DANCE_INSTRUMENTS)
    for label, prefixes in DANCE_LABELS.items():
        files = _dance_files(prefixes)
        step = max(1, len(files) // max(1, per_label))
        for i, path in enumerate(files[::step][:per_label]):
            artist, sound = artists[i % len(artists)], _sound(i)
            tunes.append(LabelledTune(
                str(path), "dance", label, f"{artist} ({sound})", f"nott:{path.stem}",
                DANCE_INSTRUMENTS[artist], sound, midi_metre(str(path)),
                f"dance_{label.replace(' ', '-')}_{artist}_{sound}_{path.stem}"))
    return tunes


def _timbre_tunes(count: int, avoid: set[str]) -> list[LabelledTune]:
    files = [p for p in _dance_files(DANCE_LABELS["reel"])
             if f"nott:{p.stem}" not in avoid and midi_metre(str(p)) == "4/4"]
    step = max(1, len(files) // max(1, count))
    tunes = []
    for i, path in enumerate(files[1::step][:count]):
        for j, (family, programs) in enumerate(TIMBRE_FAMILIES.items()):
            program, sound = programs[(i + j) % 2], _sound(i + j)
            tunes.append(LabelledTune(
                str(path), "timbre", family, path.stem, f"nott:{path.stem}", program, sound,
                "4/4", f"timbre_{family}_{program}_{sound}_{path.stem}"))
    return tunes


def _drum_tunes() -> list[LabelledTune]:
    folder = groove_dir()
    info = folder / "info.csv"
    if not info.is_file():
        raise FileNotFoundError(f"the Groove MIDI files are missing: {folder}")
    with open(info, encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if (folder / r["midi_filename"]).is_file()]
    drummers: dict[str, set[str]] = {}
    for row in rows:
        if row["time_signature"] == "4-4":
            drummers.setdefault(row["style"].split("/")[0], set()).add(row["drummer"])
    tunes = []
    for index, row in enumerate(sorted(rows, key=lambda r: r["midi_filename"])):
        style, path = row["style"].split("/")[0], folder / row["midi_filename"]
        metre = row["time_signature"].replace("-", "/")
        evaluated = metre == "4/4" and len(drummers.get(style, ())) >= DRUM_MIN_DRUMMERS
        sounds = ("timgm", "fluid") if evaluated else (("timgm", "fluid")[index % 2],)
        for sound in sounds:
            tunes.append(LabelledTune(
                str(path), "drums" if evaluated else "fit", f"drums: {style}", row["drummer"],
                f"groove:{path.stem}", None, sound, metre,
                f"drums_{style}_{row['drummer']}_{sound}_{path.stem}"))
    return tunes


def _rank(seed_text: str) -> float:
    return int(hashlib.sha1(f"{SEED}:{seed_text}".encode()).hexdigest()[:8], 16) / 2**32


def assign_splits(tunes: list[LabelledTune]) -> list[LabelledTune]:
    """Give each tune its split: groups ordered by a seeded hash within each label (stratified)."""
    from dataclasses import replace

    strata: dict[tuple[str, str], list[str]] = {}
    for tune in tunes:
        if tune.family in SPLIT_SHARES:
            key = (tune.family, "" if tune.family == "timbre" else tune.label)
            if tune.group not in strata.setdefault(key, []):
                strata[key].append(tune.group)
    split_of: dict[tuple[str, str], str] = {}
    for (family, _), groups in strata.items():
        fit_share, selection_share = SPLIT_SHARES[family]
        ordered = sorted(groups, key=lambda g: _rank(f"{family}:{g}"))
        n_fit = int(round(fit_share * len(ordered)))
        n_sel = max(1, int(round(selection_share * len(ordered))))
        for i, group in enumerate(ordered):
            split = "fit" if i < n_fit else "selection" if i < n_fit + n_sel else "test"
            split_of[(family, group)] = split
    return [replace(t, split=split_of.get((t.family, t.group), "fit")) for t in tunes]


def labelled_set(dance_per_label: int | None = None, timbre_tunes: int | None = None,
                 drums: bool = True) -> list[LabelledTune]:
    """Every tune of the labelled set with its split, in a fixed order."""
    if not nottingham_dir().is_dir():
        raise FileNotFoundError(f"the Nottingham MIDI files are missing: {nottingham_dir()}")
    dance = _dance_tunes(DANCE_PER_LABEL if dance_per_label is None else dance_per_label)
    timbre = _timbre_tunes(TIMBRE_TUNES if timbre_tunes is None else timbre_tunes,
                           {t.group for t in dance})
    tunes = dance + timbre + (_drum_tunes() if drums else [])
    if second_soundfont() is None:  # degrade: one SoundFont, distinct names kept
        from dataclasses import replace

        tunes = [replace(t, soundfont="timgm") for t in tunes]
        seen: set[str] = set()
        tunes = [t for t in tunes if not (t.name in seen or seen.add(t.name))]  # type: ignore[func-returns-value]
    return assign_splits(tunes)


def _looped(midi: object, seconds: float, longest: float) -> object:
    """Repeat the notes of ``midi`` (a PrettyMIDI) until it lasts ``seconds``; cut at ``longest``."""
    end = float(midi.get_end_time())  # type: ignore[attr-defined]
    repeats = max(1, int(np.ceil(seconds / end))) if end > 0 else 1
    for instrument in midi.instruments:  # type: ignore[attr-defined]
        for attr in ("notes", "control_changes", "pitch_bends"):
            items = getattr(instrument, attr)
            copies = []
            for r in range(1, repeats):
                for item in items:
                    clone = copy.copy(item)
                    if hasattr(clone, "start"):
                        clone.start, clone.end = item.start + r * end, item.end + r * end
                    else:
                        clone.time = item.time + r * end
                    copies.append(clone)
            kept = [x for x in items + copies
                    if getattr(x, "start", getattr(x, "time", 0.0)) < longest]
            setattr(instrument, attr, kept)
    return midi


def render_tune(tune: LabelledTune, target: str, seconds: tuple[float, float] | None = None
                ) -> str:
    """Render ``tune`` to FLAC (worker-process entry), looped to ``seconds`` = (at least, at
    most), by default (:data:`MIN_SECONDS`, :data:`MAX_SECONDS`)."""
    import pretty_midi
    import soundfile as sf

    from engine.playback.synth import render_midi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        midi = pretty_midi.PrettyMIDI(tune.midi)
    for instrument in midi.instruments:
        if tune.program is not None and not instrument.is_drum:
            instrument.program = tune.program
    shortest, longest = seconds or (MIN_SECONDS, MAX_SECONDS)
    midi = _looped(midi, shortest, longest)
    audio = render_midi(midi, sample_rate=SAMPLE_RATE, soundfont=soundfont_path(tune.soundfont),
                        tail_seconds=0.5)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0:
        audio = audio * (0.5 / peak)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(target).with_suffix(".tmp.flac")
    sf.write(str(tmp), audio, SAMPLE_RATE, subtype="PCM_16")
    tmp.replace(target)
    return target
