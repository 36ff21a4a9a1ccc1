"""Hearing a track: tags from the pretrained music tagger and the library's features, with evidence.

:func:`tagger_probabilities` is the one adapter to the Library's pretrained music tagger
(``engine.tagger``, musicnn's MTT and MSD models, 50 labels each); its result is read whatever its
shape (a ``{label: p}`` dict, one per model, or an object with
``probabilities``). :func:`heard_tags` turns label probabilities into at most one or two tags per
aspect — genre, mood, instrument, vocals (instrumental / sung, then male / female) — each label
understood through the lexicon (:meth:`Lexicon.understand`, no table of synonyms), and
:func:`feature_tags` reads tempo, loudness and speech-likeness from the analysed features. Each
derived tag carries its evidence ("tagger MSD 'jazz' 0.62", "tempo 128 BPM").
:func:`evidence_tags` reads the same from the Library's ``derive_tags`` evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.commentary import aspects

# What each of the tagger's labels describes (its output vocabulary, not a synonym table).
ASPECT_OF_LABEL: dict[str, str] = {
    **dict.fromkeys(("classical", "techno", "electronic", "rock", "ambient", "indian", "opera",
                     "pop", "new age", "dance", "country", "metal", "classic", "alternative",
                     "indie", "alternative rock", "jazz", "chillout", "classic rock", "soul",
                     "indie rock", "electronica", "folk", "punk", "blues", "hard rock",
                     "experimental", "hip-hop", "funk", "electro", "heavy metal",
                     "progressive rock", "rnb", "indie pop", "house", "easy listening", "oldies",
                     "00s", "90s", "80s", "70s", "60s"), "genre"),
    **dict.fromkeys(("loud", "quiet", "soft", "weird", "beautiful", "mellow", "chill", "party",
                     "sexy", "catchy", "sad", "happy"), "mood"),
    **dict.fromkeys(("guitar", "strings", "drums", "piano", "beat", "violin", "synth",
                     "harpsichord", "flute", "sitar", "cello", "harp", "beats", "acoustic",
                     "solo"), "instrument"),
    **dict.fromkeys(("vocal", "female", "male", "singing", "vocals", "no vocals", "woman",
                     "male vocal", "no vocal", "man", "choir", "voice", "male voice",
                     "female vocal", "no voice", "female voice", "choral", "female vocalists",
                     "male vocalists", "female vocalist", "instrumental"), "vocals"),
    **dict.fromkeys(("slow", "fast"), "tempo"),
}
PICK = {"genre": 2, "mood": 2, "instrument": 3}  # most labels kept per aspect
MIN_PROBABILITY = 0.2   # a label below this is not heard
RELATIVE = 0.5          # a second label must reach this share of the aspect's best


@dataclass
class Heard:
    """One derived tag: the conditioning tag, the aspect it describes and the evidence."""

    tag: str
    aspect: str
    evidence: str
    score: float = 1.0


def tagger_module() -> Any | None:
    """The music tagger, ``engine.tagger.tag`` (torch loads on its first use, not here)."""
    from engine.tagger import tag

    return tag


def tagger_probabilities(path: str | Path, module: Any | None = None,
                         skip: tuple[str, ...] = ()) -> dict[str, tuple[float, str]]:
    """``{label: (probability, model)}`` from every tagger model (but ``skip``) for an audio file.

    Decodes the file once and runs each of the module's ``MODELS`` on it (``tag_audio``), or
    calls ``tag_file`` per model; ``{}`` without a tagger.
    """
    module = module or tagger_module()
    if module is None:
        return {}
    models = tuple(m for m in getattr(module, "MODELS", ()) if m not in skip) or (None,)
    if skip and models == (None,):
        return {}
    loader = getattr(getattr(module, "audio", None), "load_audio", None)
    results = []
    if loader is not None and hasattr(module, "tag_audio"):
        samples, rate = loader(Path(path)), int(module.audio.SAMPLE_RATE)
        for model in models:
            kwargs = {"model": model} if model else {}
            results.append(module.tag_audio(samples, rate, name=str(path), **kwargs))
    else:
        for model in models:
            results.append(module.tag_file(str(path), **({"model": model} if model else {})))
    merged: dict[str, tuple[float, str]] = {}
    for result in results:
        for label, (p, source) in read_probabilities(result).items():
            if p > merged.get(label, (-1.0, ""))[0]:
                merged[label] = (p, source)
    return merged


def read_probabilities(result: Any, model: str = "tagger") -> dict[str, tuple[float, str]]:
    """Label probabilities from a tagger result: an object with parallel ``tags`` and
    ``probabilities`` (and a ``model`` name), a ``{label: p}`` mapping (or one per model), or
    ``(label, p)`` pairs."""
    if not isinstance(result, Mapping) and hasattr(result, "probabilities"):
        model = str(getattr(result, "model", model)).split("_")[0]
        names = getattr(result, "tags", None)
        values = result.probabilities
        if names is not None and not isinstance(names, Mapping) and not isinstance(values, Mapping):
            return read_probabilities(list(zip(names, [float(v) for v in values], strict=True)),
                                      model)
        return read_probabilities(values, model)
    out: dict[str, tuple[float, str]] = {}
    items = result.items() if isinstance(result, Mapping) else result
    for label, value in items:
        if isinstance(value, Mapping):
            for inner, (p, source) in read_probabilities(value, str(label)).items():
                if p > out.get(inner, (-1.0, ""))[0]:
                    out[inner] = (p, source)
            continue
        p = float(value)
        key = " ".join(str(label).lower().split())
        if p > out.get(key, (-1.0, ""))[0]:
            out[key] = (p, model)
    return out


def heard_tags(probabilities: Mapping[str, tuple[float, str]], lexicon: Any) -> list[Heard]:
    """Tags per aspect from label probabilities (see the module docstring); labels the lexicon
    does not understand ("00s") are left out before ranking."""
    by_aspect: dict[str, list[tuple[float, str, str]]] = {}
    meaning: dict[str, str] = {}
    for label, (p, model) in probabilities.items():
        aspect = ASPECT_OF_LABEL.get(label)
        if aspect is None or p < MIN_PROBABILITY:
            continue
        understood = lexicon.understand(label)
        if understood.tags:
            meaning[label] = understood.tags[0]
            by_aspect.setdefault(aspect, []).append((p, label, model))
    out: list[Heard] = []
    for aspect, found in by_aspect.items():
        found.sort(reverse=True)
        if aspect == "vocals":
            found = _voice(found)
        elif aspect == "tempo":
            found = found[:1]
        else:
            found = [f for f in found if f[0] >= RELATIVE * found[0][0]][:PICK[aspect]]
        for p, label, model in found:
            if all(h.tag != meaning[label] for h in out):
                out.append(Heard(meaning[label], aspect, f"tagger {model} '{label}' {p:.2f}", p))
    return out


def _voice(found: list[tuple[float, str, str]]) -> list[tuple[float, str, str]]:
    """Instrumental or sung (the stronger side), then male or female if sung."""
    side: dict[str, tuple[float, str, str]] = {}
    for item in found:
        for name in aspects.sides(item[1]) or {"sung"}:
            side.setdefault(name, item)  # found is sorted: the first is the strongest
    voiced = [side[k] for k in ("sung", "male", "female") if k in side]
    instrumental = side.get("instrumental")
    if instrumental and (not voiced or instrumental[0] >= max(voiced)[0]):
        return [instrumental]
    kept = [side["sung"]] if "sung" in side else []
    gender = [side[g] for g in ("male", "female") if g in side]
    if gender and not (kept and aspects.sides(kept[0][1]) & {"male", "female"}):
        kept.append(max(gender))  # unless the sung label already says whose voice it is
    return kept


def feature_tags(named: Mapping[str, float], lexicon: Any) -> list[Heard]:
    """Tags from analysed features: tempo (clear pulse only), loudness, speech-likeness, texture."""
    tempo, pulse = named.get("tempo", 0.0), named.get("pulse_clarity", 0.0)
    loud, loud_std = named.get("loudness_mean", -30.0), named.get("loudness_std", 10.0)
    speechy = named.get("zcr_std", 0.0) >= 0.09 and pulse < 0.15 and loud_std < 16
    found: list[tuple[str, str, str]] = []
    if speechy:
        found.append(("no other instruments", "instrument",
                      "speech-like (varying zero crossings, no pulse)"))
    elif pulse >= 0.2 and tempo > 0:
        label = "slow tempo" if tempo < 90 else "medium tempo" if tempo <= 125 else "fast tempo"
        found.append((label, "tempo", f"tempo {tempo:.0f} BPM (pulse clarity {pulse:.2f})"))
    if loud >= -20:
        found.append(("energetic", "mood", f"loud ({loud:.0f} dB mean)"))
    elif loud <= -30 and not speechy:
        found.append(("calming", "mood", f"quiet ({loud:.0f} dB mean)"))
    if not speechy and pulse >= 0.3 and loud_std < 6:
        found.append(("electronic music", "genre",
                      f"steady level (±{loud_std:.1f} dB) with a clear pulse"))
    elif not speechy and pulse >= 0.2 and loud_std > 12:
        found.append(("acoustic drums", "instrument",
                      f"dynamic level (±{loud_std:.1f} dB) with a pulse"))
    out = []
    for label, aspect, why in found:
        index = lexicon.index(label)
        if index is not None:
            out.append(Heard(lexicon.tags[index], aspect, why))
    return out


def evidence_tags(evidence: Mapping[str, Any], kind: str, lexicon: Any) -> list[Heard]:
    """Tempo and loudness tags from the Library's measured evidence (``derive_tags``)."""
    tempo = float(evidence.get("tempo_bpm") or 0.0)
    pulse = float(evidence.get("pulse_clarity") or 0.0)
    loud = evidence.get("loudness_db")
    found: list[tuple[str, str, str]] = []
    if kind in ("", "music") and pulse >= 0.2 and tempo > 0:
        label = "slow tempo" if tempo < 90 else "medium tempo" if tempo <= 125 else "fast tempo"
        found.append((label, "tempo", f"tempo {tempo:.0f} BPM (pulse clarity {pulse:.2f})"))
    if loud is not None and float(loud) >= -20:
        found.append(("energetic", "mood", f"loud ({float(loud):.0f} dB mean)"))
    elif loud is not None and float(loud) <= -30 and kind in ("", "music"):
        found.append(("calming", "mood", f"quiet ({float(loud):.0f} dB mean)"))
    out = []
    for label, aspect, why in found:
        index = lexicon.index(label)
        if index is not None:
            out.append(Heard(lexicon.tags[index], aspect, why))
    return out


def genre_tags(genre: str, lexicon: Any, source: str = "genre") -> list[Heard]:
    """A free-text genre field (comma/semicolon/slash separated) understood through the lexicon."""
    out: list[Heard] = []
    for part in genre.replace(";", ",").replace("/", ",").split(","):
        name = " ".join(part.split())
        if not name:
            continue
        understood = lexicon.understand(name)
        for tag in understood.tags[:2]:
            if all(h.tag != tag for h in out):
                out.append(Heard(tag, "genre", f"{source} '{name}'"))
    return out


def merge(*groups: list[Heard]) -> list[Heard]:
    """Heard tags of several sources, the first evidence for a tag kept, tempo from one source.

    A later source's tag that contradicts an earlier one (slow vs fast, male vs female…) is dropped.
    """
    out: list[Heard] = []
    for group in groups:
        for heard in group:
            if any(h.tag == heard.tag for h in out):
                continue
            sides = aspects.sides(", ".join(h.tag for h in out))
            if aspects.conflicts(sides | aspects.sides(heard.tag)):
                continue
            if heard.aspect == "tempo" and any(h.aspect == "tempo" for h in out):
                continue
            out.append(heard)
    return out
