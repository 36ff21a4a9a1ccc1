"""Speech for the real-recordings set: public-domain verse read aloud by offline synthesisers.

The non-music side of ``realset`` needs speech that no soundtrack contains. It is synthesised
here, offline, from passages of the bundled public-domain lyric texts (``assets/lyrics/*.txt``:
Burns, Dickinson, Shakespeare, Watts, Whitman) by several *speakers*: espeak-ng voices with
different accents, variants and speeds, and the Festival voices Debian ships (two diphone voices
and one HTS voice; MBROLA is not in Debian 12). A speaker is an engine + voice + rate.

Splits keep speakers *and* texts apart: speakers are split (stratified by engine) and passages
are split (stratified by author) with the same seeded rule as the soundtracks, and a speaker
reads only passages of its own split, so no voice and no text is heard on two sides.
"""

from __future__ import annotations

import glob
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import soundfile

from engine import paths
from engine.atomic import atomic_path
from engine.library.evaluation.realset_common import SPLITS, RealsetError, file_sha256, split_groups

CLIPS_PER_SPEAKER = 4
PASSAGES_PER_AUTHOR = 6
MIN_WORDS, MAX_WORDS = 14, 32
MIN_SECONDS, MAX_SECONDS = 3.0, 20.0
SPEECH_LICENCE = "public-domain text; audio synthesised locally"
FESTIVAL_VOICE_DIRS = "/usr/share/festival/voices/*/"


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: engine, voice (espeak-ng ``voice+variant``), rate and its package.

    ``rate`` is words per minute for espeak-ng and Festival's ``Duration_Stretch`` (1.0 = normal).
    """

    engine: str  # "espeak-ng" or "festival"
    voice: str
    rate: float
    package: str

    @property
    def id(self) -> str:
        """The speaker's label, e.g. ``espeak-ng:en-gb-scotland+m1@140``."""
        return f"{self.engine}:{self.voice}@{self.rate:g}"

    @property
    def slug(self) -> str:
        """The speaker's folder name (letters, digits, ``-``, ``_`` and ``.`` only)."""
        return re.sub(r"[^A-Za-z0-9._-]+", "_", self.id)


def _espeak(voice: str, rate: int) -> Speaker:
    return Speaker("espeak-ng", voice, rate, "espeak-ng")


SPEAKERS: tuple[Speaker, ...] = (
    _espeak("en-gb+m3", 150), _espeak("en-us+f2", 170), _espeak("en-gb-scotland+m1", 140),
    _espeak("en-gb-x-rp+f4", 160), _espeak("en-029+m5", 175), _espeak("en-gb-x-gbclan+f1", 155),
    _espeak("en-us+m7", 185), _espeak("en-gb-x-gbcwmd+f3", 145), _espeak("en-gb-x-rp+klatt", 165),
    _espeak("en-us+whisper", 150),
    Speaker("festival", "kal_diphone", 1.0, "festvox-kallpc16k"),
    Speaker("festival", "ked_diphone", 1.15, "festvox-kdlpc16k"),
    Speaker("festival", "cmu_us_slt_arctic_hts", 0.95, "festvox-us-slt-hts"),
)


@dataclass(frozen=True)
class Passage:
    """A few consecutive lines from the start of one poem: ``id`` is ``author-poemindex``."""

    id: str
    author: str
    text: str


def passages(lyrics_dir: Path, seed: int, per_author: int = PASSAGES_PER_AUTHOR) -> list[Passage]:
    """Pick ``per_author`` passages of MIN_WORDS..MAX_WORDS words from each ``*.txt``, seeded.

    A passage is the opening lines of a poem (poems are separated by blank lines), taken until it
    holds at least MIN_WORDS words; longer openings are not used.
    """
    import random

    chosen: list[Passage] = []
    for path in sorted(lyrics_dir.glob("*.txt")):
        author = path.stem
        poems = [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        candidates = []
        for index, poem in enumerate(poems):
            lines, words = [], 0
            for line in poem.splitlines():
                lines.append(line.strip())
                words += len(line.split())
                if words >= MIN_WORDS:
                    break
            if MIN_WORDS <= words <= MAX_WORDS:
                candidates.append(Passage(f"{author}-{index:04d}", author, "\n".join(lines)))
        picked = random.Random(f"{seed}/text/{author}").sample(candidates,
                                                               min(per_author, len(candidates)))
        chosen.extend(sorted(picked, key=lambda p: p.id))
    return chosen


def available(speaker: Speaker) -> bool:
    """Whether this machine can synthesise with ``speaker`` (program and voice installed)."""
    if speaker.engine == "espeak-ng":
        return shutil.which("espeak-ng") is not None
    return (shutil.which("text2wave") is not None
            and any(Path(d, speaker.voice).is_dir() for d in glob.glob(FESTIVAL_VOICE_DIRS)))


def package_version(package: str) -> str:
    """The installed Debian version of ``package`` (``unknown`` when dpkg cannot say)."""
    try:
        done = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"


def synthesise(speaker: Speaker, text: str, dest: Path) -> None:
    """Write ``text`` read by ``speaker`` to ``dest`` (.wav) atomically; RealsetError on failure."""
    with tempfile.TemporaryDirectory(prefix="segue-speech-") as tmp:
        text_file = Path(tmp, "text.txt")
        text_file.write_text(text + "\n", encoding="utf-8")
        with atomic_path(dest) as out:
            if speaker.engine == "espeak-ng":
                cmd = ["espeak-ng", "-v", speaker.voice, "-s", str(int(speaker.rate)), "-w", str(out),
                       "-f", str(text_file)]
            else:
                cmd = ["text2wave", "-eval", f"(voice_{speaker.voice})", "-eval",
                       f"(Parameter.set 'Duration_Stretch {speaker.rate})", "-o", str(out),
                       str(text_file)]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise RealsetError(f"{speaker.id}: speech synthesis failed ({exc})") from exc
            if done.returncode != 0 or out.stat().st_size <= 44:
                last = (done.stderr.strip().splitlines() or ["no audio written"])[-1]
                raise RealsetError(f"{speaker.id}: speech synthesis failed ({last})")


def build_speech(cache: Path, seed: int, previous: Mapping[str, Mapping[str, object]],
                 speakers: Sequence[Speaker] = SPEAKERS, lyrics_dir: Path | None = None,
                 clips_per_speaker: int = CLIPS_PER_SPEAKER,
                 log: Callable[[str], None] = print) -> tuple[list[dict], list[dict], list[str]]:
    """Synthesise the speech clips into ``cache/speech``; return (entries, speakers, warnings).

    ``previous`` maps manifest paths to their entries of an earlier run: a clip whose file is
    there with the recorded sha256, speaker and text is kept, not synthesised again.
    """
    lyrics_dir = lyrics_dir or paths.assets_dir() / "lyrics"
    warnings: list[str] = []
    usable = [s for s in speakers if available(s)]
    for missing in sorted({s.package for s in speakers if s not in usable}):
        warnings.append(f"speech: {missing} is not installed; its speakers are left out "
                        f"(apt-get install {missing})")
    if not usable:
        return [], [], warnings
    texts = passages(lyrics_dir, seed)
    text_split = split_groups({p.id: 1.0 for p in texts}, {p.id: p.author for p in texts}, seed)
    speaker_split = split_groups({s.id: 1.0 for s in usable}, {s.id: s.engine for s in usable}, seed)
    versions = {pkg: package_version(pkg) for pkg in sorted({s.package for s in usable})}
    entries: list[dict] = []
    for split in SPLITS:
        pool = [p for p in texts if text_split[p.id] == split]
        readers = sorted((s for s in usable if speaker_split[s.id] == split), key=lambda s: s.id)
        for rank, speaker in enumerate(readers):
            made = 0
            for attempt in range(len(pool)):
                if made == clips_per_speaker:
                    break
                passage = pool[(rank * clips_per_speaker + attempt) % len(pool)]
                entry = _clip(cache, speaker, passage, split, versions[speaker.package], previous, log)
                if entry is not None:
                    entries.append(entry)
                    made += 1
            if made < clips_per_speaker:
                warnings.append(f"speech: {speaker.id} read only {made} clips of "
                                f"{MIN_SECONDS:g}-{MAX_SECONDS:g} s")
    described = [{"id": s.id, "engine": s.engine, "voice": s.voice, "rate": s.rate,
                  "package": s.package, "version": versions[s.package], "split": speaker_split[s.id]}
                 for s in usable]
    return entries, described, warnings


def _clip(cache: Path, speaker: Speaker, passage: Passage, split: str, version: str,
          previous: Mapping[str, Mapping[str, object]], log: Callable[[str], None]) -> dict | None:
    """One clip's manifest entry (synthesised unless kept); None when its length is out of range."""
    rel = f"speech/{speaker.slug}/{passage.id}.wav"
    dest = cache / rel
    text = passage.text.replace("\n", " / ")
    old = previous.get(rel)
    kept = (old is not None and dest.is_file() and old.get("label") == speaker.id
            and old.get("origin") == text and old.get("sha256") == file_sha256(dest))
    if not kept:
        synthesise(speaker, passage.text, dest)
        log(f"speech: {rel}")
    duration = soundfile.info(str(dest)).duration
    if not MIN_SECONDS <= duration <= MAX_SECONDS:
        dest.unlink(missing_ok=True)
        return None
    author = passage.author.replace("_", " ").title()
    return {"path": rel, "kind": "speech", "label": speaker.id, "album": speaker.id,
            "group": speaker.id, "split": split, "licence": SPEECH_LICENCE,
            "copyright": f"text: {author} (public domain, assets/lyrics); voice: {speaker.package}",
            "licence_source": "assets/lyrics/SOURCES.md", "package": speaker.package,
            "version": version, "duration": round(duration, 3), "sha256": file_sha256(dest),
            "title": passage.id, "origin": text}
