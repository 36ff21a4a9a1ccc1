"""Public functions of the commentary room: load the models once, write VAE | GAN paragraph pairs.

A :class:`Commentator` holds the CVAE, the topic model, the LC-GAN and the tag lexicon. Typed
tags are first *understood* (:meth:`Lexicon.understand`: spelling variants, tags they are part
of, near neighbours; a tag with no match is reported with the nearest known tags). ``sample``
draws a paragraph latent z from the prior and writes it twice (:mod:`paragraph`): as is (VAE)
and after G (GAN), so both columns share z and the sampling noise. ``interpolate`` walks a
homotopy between two samples' latents. No tags give unconditioned text (a = 0).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.checkpoint import CheckpointError
from engine.commentary import corpus
from engine.errors import UserFacingError
from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress

_LOCK = threading.Lock()
_CACHE: dict[str, Commentator] = {}


@dataclass
class Pair:
    """One sample: the VAE's paragraph and the GAN-refined one, from the same latent ``z``."""

    vae: str
    gan: str
    z: list[float] = field(default_factory=list)
    plan: list[list[str]] = field(default_factory=list)  # the tags each sentence was given
    seed: int = 1                                        # the sampling seed (with z: the text)


@dataclass
class CommentResult:
    """Samples, the tags they were conditioned on and how each typed tag was understood."""

    tags: list[str]
    unknown_tags: list[str]
    pairs: list[Pair]
    derived_from: dict[str, str] = field(default_factory=dict)  # tag → evidence (for a track)
    track_id: int | None = None
    understood: list[dict[str, Any]] = field(default_factory=list)


def split_tags(text: str | list[str]) -> list[str]:
    """Comma-separated tags → normalised, de-duplicated list."""
    items = text if isinstance(text, list) else text.split(",")
    out: list[str] = []
    for item in items:
        tag = corpus.normalise_tag(item)
        if tag and tag not in out:
            out.append(tag)
    return out


class Commentator:
    """The commentary models and the tag lexicon, loaded from one folder."""

    def __init__(self, folder: str | Path | None = None) -> None:
        import torch

        from engine.commentary import cvae, lcgan, lexicon, topics
        from engine.commentary.paragraph import Decoding, Writer
        from engine.commentary.train import (
            CVAE_FILE,
            GAN_FILE,
            LEXICON_FILE,
            TOPICS_FILE,
            bundled_dir,
        )

        self.folder = Path(folder) if folder is not None else bundled_dir()
        try:
            self.cvae, ckpt = cvae.load(self.folder / CVAE_FILE)
            self.topics = topics.load(self.folder / TOPICS_FILE)
            self.generator, self.critic, _ = lcgan.load(self.folder / GAN_FILE)
            self.lexicon = lexicon.load(self.folder / LEXICON_FILE)
            self.vocab = corpus.Vocab(list(ckpt.extra["words"]), list(ckpt.extra["tags"]))
        except (CheckpointError, KeyError) as exc:
            raise UserFacingError(f"commentary model: {exc}") from exc
        if self.lexicon.tags != self.vocab.tags:
            raise UserFacingError(f"commentary model: {self.folder / LEXICON_FILE}: its tags are "
                                  f"not those of {self.folder / CVAE_FILE} (retrain both)")
        self.metrics = ckpt.metrics
        self.split_seed = int(ckpt.extra.get("split_seed", 1))
        self.latent = self.cvae.config.latent
        self.defaults = Decoding(**ckpt.extra.get("decoding", {}))
        self.writer = Writer(self.cvae, self.generator, self.vocab, self.lexicon)
        self._torch = torch

    @property
    def tag_vocabulary(self) -> list[str]:
        """The conditioning tags the models know, most frequent first."""
        return list(self.vocab.tags)

    def target_words(self, n: int = 10) -> list[str]:
        """Top words of the topic the GAN steers toward."""
        return self.topics.top_words(self.topics.target, n)

    def understand(self, tags: list[str]) -> tuple[list[str], list[Any]]:
        """Conditioning tags for typed ``tags`` and each tag's :class:`Understanding`."""
        return self.lexicon.understand_all(tags)

    def known_tags(self, tags: list[str]) -> tuple[list[str], list[str]]:
        """(conditioning tags the typed tags stand for, typed tags not understood)."""
        known, found = self.understand(tags)
        return known, [u.typed for u in found if not u.understood]

    def decoding(self, temperature: float | None = None, top_p: float | None = None) -> Any:
        """The writer's settings: the model's defaults, with a temperature/top-p if given."""
        from dataclasses import replace

        out = self.defaults
        if temperature is not None:
            out = replace(out, temperature=float(temperature))
        if top_p is not None:
            out = replace(out, top_p=float(top_p))
        return out

    def decode(self, z: Any, attrs: Any, temperature: float = 0.0, seed: int = 1,
               gan: bool = True) -> tuple[list[str], list[str], Any]:
        """Single sentences for latents [N, d] and conditioning rows: (VAE, GAN texts, z′).

        ``attrs`` is the raw conditioning [N, n_cond], or tag rows [N, tags] (then every tag
        is in focus, first-sentence position). Greedy at temperature 0, else nucleus sampling.
        """
        from engine.commentary.decoding import decode, uniforms

        torch = self._torch
        attrs = torch.as_tensor(attrs, dtype=torch.float32)
        if attrs.size(-1) == len(self.vocab.tags):
            rows = attrs.numpy()
            focus = [[int(i) for i in row.nonzero()[0]] for row in rows]
            attrs = torch.from_numpy(self.vocab.condition(rows, focus, [0] * len(rows)))
        settings = self.decoding(temperature)
        with torch.no_grad():
            z_new = self.generator(z, attrs) if gan else z
            texts = []
            for latent in (z, z_new) if gan else (z,):
                ids = decode(self.cvae.decoder, self.cvae.decoder_input(latent, attrs),
                             uniforms(len(z), settings.max_len, seed), settings.temperature,
                             settings.top_p, settings.max_len, self.vocab.words,
                             self.lexicon.copy_hashes)
                texts.append([corpus.detokenise(self.vocab.decode(s)) for s in ids])
        return texts[0], texts[-1], z_new

    def sample(self, tags: list[str], n: int = 5, temperature: float | None = None, seed: int = 1,
               top_p: float | None = None) -> list[Pair]:
        """``n`` paragraph pairs (VAE | GAN) for ``tags`` from z ~ N(0, I) seeded by ``seed``."""
        torch = self._torch
        z = torch.randn(n, self.latent, generator=torch.Generator().manual_seed(seed))
        return self.pairs_for(z, tags, temperature, seed, top_p)

    def pairs_for(self, z: Any, tags: list[str], temperature: float | None = None, seed: int = 1,
                  top_p: float | None = None) -> list[Pair]:
        """Paragraph pairs for given latents (rows of ``z``); typed tags are understood first."""
        torch = self._torch
        z = torch.round(torch.as_tensor(z, dtype=torch.float32).reshape(-1, self.latent),
                        decimals=5)  # exactly the latent a Pair keeps, so it can be rewritten
        known, _ = self.understand(tags)
        indices = [self.vocab.tag_index[t] for t in known]
        written = self.writer.write(z, [indices] * z.size(0), self.decoding(temperature, top_p),
                                    seed)
        return [Pair(" ".join(w.vae), " ".join(w.gan), [round(float(x), 5) for x in row],
                     [[self.vocab.tags[t] for t in focus] for focus in w.plan], seed)
                for w, row in zip(written, z, strict=True)]

    def interpolate(self, z_a: list[float], z_b: list[float], tags: list[str], steps: int = 6,
                    temperature: float | None = None, seed: int = 1) -> list[Pair]:
        """A homotopy of ``steps`` (5–7) paragraphs from latent ``z_a`` to ``z_b``."""
        torch = self._torch
        steps = max(5, min(7, steps))
        a, b = torch.tensor(z_a), torch.tensor(z_b)
        z = torch.stack([a + (b - a) * i / (steps - 1) for i in range(steps)])
        return self.pairs_for(z, tags, temperature, seed)


def load_commentator(folder: str | Path | None = None) -> Commentator:
    """The commentator for ``folder`` (bundled by default), loaded once per process."""
    key = str(Path(folder).resolve()) if folder is not None else ""
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = Commentator(folder)
        return _CACHE[key]


def comment(tags: str | list[str] = "", n: int = 5, track: str | int | None = None,
            temperature: float | None = None, seed: int = 1, models: str | Path | None = None,
            library_path: str | Path | None = None, progress: ProgressFn = no_progress,
            cancelled: CancelledFn = never_cancelled, top_p: float | None = None
            ) -> CommentResult:
    """Write ``n`` VAE | GAN paragraph pairs from typed tags and/or a library track's tags.

    ``temperature`` None uses the model's default sampling; 0 is greedy.
    """
    commentator = load_commentator(models)
    wanted = split_tags(tags)
    derived: dict[str, str] = {}
    track_id = None
    if track is not None and str(track).strip():
        from engine.commentary.conditioning import tags_for_track

        found = tags_for_track(track, commentator.lexicon, library_path)
        derived, track_id = found.derived, found.track_id
        wanted += [t for t in found.tags if t not in wanted]
    known, understood = commentator.understand(wanted)
    unknown = [u.typed for u in understood if not u.understood]
    progress(0.5, "writing commentary")
    pairs = commentator.pairs_for(_prior(commentator, n, seed), known, temperature, seed, top_p)
    return CommentResult(known, unknown, pairs, derived, track_id,
                         [u.as_dict() for u in understood])


def _prior(com: Commentator, n: int, seed: int) -> Any:
    torch = com._torch  # noqa: SLF001 - the module loaded with the models
    return torch.randn(n, com.latent, generator=torch.Generator().manual_seed(seed))


def understand_tags(tags: str | list[str], models: str | Path | None = None,
                    progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled
                    ) -> list[dict[str, Any]]:
    """How each typed tag is understood (for the panel, while typing)."""
    return [u.as_dict() for u in load_commentator(models).understand(split_tags(tags))[1]]


def model_info(models: str | Path | None = None, progress: ProgressFn = no_progress,
               cancelled: CancelledFn = never_cancelled) -> dict[str, Any]:
    """Load the models (once): the tag vocabulary, the target topic's top words, the sampling."""
    from dataclasses import asdict

    com = load_commentator(models)
    return {"tags": com.tag_vocabulary, "target_words": com.target_words(10),
            "decoding": asdict(com.defaults)}


def regenerate(tags: list[str], temperature: float | None = None, seed: int = 1,
               models: str | Path | None = None, progress: ProgressFn = no_progress,
               cancelled: CancelledFn = never_cancelled) -> Pair:
    """One new pair from a fresh latent drawn with ``seed``."""
    return load_commentator(models).sample(tags, 1, temperature, seed)[0]


def interpolate(z_a: list[float], z_b: list[float], tags: list[str], steps: int = 6,
                models: str | Path | None = None, progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled, temperature: float | None = None,
                seed: int = 1) -> list[Pair]:
    """A 5–7 paragraph homotopy between two samples' latents (VAE | GAN pairs)."""
    return load_commentator(models).interpolate(z_a, z_b, tags, steps, temperature, seed)


def derive_track_tags(track: str | int, models: str | Path | None = None,
                      library_path: str | Path | None = None, progress: ProgressFn = no_progress,
                      cancelled: CancelledFn = never_cancelled) -> Any:
    """Tags heard in a library track (a ``conditioning.TrackTags``: each with its evidence)."""
    from engine.commentary.conditioning import tags_for_track

    return tags_for_track(track, load_commentator(models).lexicon, library_path,
                          progress=progress)
