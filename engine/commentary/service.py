"""Public functions of the commentary room: load the models once, write VAE | GAN sample pairs.

A :class:`Commentator` holds the CVAE, the topic model and the LC-GAN. ``sample`` draws z from
the prior and decodes it twice: as is (VAE) and after G (GAN), so both columns share z.
``interpolate`` walks a homotopy between two samples' latents. Unknown tags are reported and
ignored; no tags give unconditioned text (a = 0).
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
    """One sample: the VAE's sentence and the GAN-refined one, from the same latent ``z``."""

    vae: str
    gan: str
    z: list[float] = field(default_factory=list)


@dataclass
class CommentResult:
    """Samples and the tags they were conditioned on."""

    tags: list[str]
    unknown_tags: list[str]
    pairs: list[Pair]
    derived_from: dict[str, str] = field(default_factory=dict)  # tag → why (for a track)
    track_id: int | None = None


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
    """The three commentary models, loaded from one folder."""

    def __init__(self, folder: str | Path | None = None) -> None:
        import torch

        from engine.commentary import cvae, lcgan, topics
        from engine.commentary.train import CVAE_FILE, GAN_FILE, TOPICS_FILE, bundled_dir

        self.folder = Path(folder) if folder is not None else bundled_dir()
        try:
            self.cvae, ckpt = cvae.load(self.folder / CVAE_FILE)
            self.topics = topics.load(self.folder / TOPICS_FILE)
            self.generator, self.critic, _ = lcgan.load(self.folder / GAN_FILE)
        except (CheckpointError, KeyError) as exc:
            raise UserFacingError(f"commentary model: {exc}") from exc
        self.vocab = corpus.Vocab(list(ckpt.extra["words"]), list(ckpt.extra["tags"]))
        self.metrics = ckpt.metrics
        self.split_seed = int(ckpt.extra.get("split_seed", 1))
        self.latent = self.cvae.config.latent
        self._torch = torch

    @property
    def tag_vocabulary(self) -> list[str]:
        """The 100 tags the models know, most frequent first."""
        return list(self.vocab.tags)

    def target_words(self, n: int = 10) -> list[str]:
        """Top words of the topic the GAN steers toward."""
        return self.topics.top_words(self.topics.target, n)

    def known_tags(self, tags: list[str]) -> tuple[list[str], list[str]]:
        """Split tags into (known, unknown)."""
        known = [t for t in tags if t in self.vocab.tag_index]
        return known, [t for t in tags if t not in self.vocab.tag_index]

    def decode(self, z: Any, attrs: Any, temperature: float = 0.0, seed: int = 1,
               gan: bool = True) -> tuple[list[str], list[str], Any]:
        """Decode latents [N, d] with tag rows [N, A]: (VAE texts, GAN texts, z′)."""
        from engine.commentary.cvae import generate

        torch = self._torch
        with torch.no_grad():
            texts = []
            z_new = self.generator(z, attrs) if gan else z
            for latent in (z, z_new) if gan else (z,):
                rng = torch.Generator().manual_seed(seed)
                ids = generate(self.cvae.decoder, torch.cat([latent, attrs], dim=-1),
                               temperature=temperature, generator=rng)
                texts.append([corpus.detokenise(self.vocab.decode(s)) for s in ids])
        return texts[0], texts[-1], z_new

    def sample(self, tags: list[str], n: int = 5, temperature: float = 0.0, seed: int = 1
               ) -> list[Pair]:
        """``n`` pairs (VAE | GAN) for the known ``tags`` from z ~ N(0, I) seeded by ``seed``."""
        torch = self._torch
        z = torch.randn(n, self.latent, generator=torch.Generator().manual_seed(seed))
        return self.pairs_for(z, tags, temperature, seed)

    def pairs_for(self, z: Any, tags: list[str], temperature: float = 0.0, seed: int = 1
                  ) -> list[Pair]:
        """Pairs for given latents (rows of ``z``)."""
        torch = self._torch
        z = torch.as_tensor(z, dtype=torch.float32).reshape(-1, self.latent)
        attrs = torch.from_numpy(self.vocab.attributes(tags)).expand(z.size(0), -1)
        vae, gan, _ = self.decode(z, attrs, temperature, seed)
        return [Pair(v, g, [round(float(x), 5) for x in row])
                for v, g, row in zip(vae, gan, z, strict=True)]

    def interpolate(self, z_a: list[float], z_b: list[float], tags: list[str], steps: int = 6
                    ) -> list[Pair]:
        """A homotopy of ``steps`` (5–7) sentences from latent ``z_a`` to ``z_b``."""
        torch = self._torch
        steps = max(5, min(7, steps))
        a, b = torch.tensor(z_a), torch.tensor(z_b)
        z = torch.stack([a + (b - a) * i / (steps - 1) for i in range(steps)])
        return self.pairs_for(z, tags)


def load_commentator(folder: str | Path | None = None) -> Commentator:
    """The commentator for ``folder`` (bundled by default), loaded once per process."""
    key = str(Path(folder).resolve()) if folder is not None else ""
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = Commentator(folder)
        return _CACHE[key]


def comment(tags: str | list[str] = "", n: int = 5, track: str | int | None = None,
            temperature: float = 0.0, seed: int = 1, models: str | Path | None = None,
            library_path: str | Path | None = None, progress: ProgressFn = no_progress,
            cancelled: CancelledFn = never_cancelled) -> CommentResult:
    """Write ``n`` VAE | GAN pairs from typed tags and/or a library track's derived tags."""
    commentator = load_commentator(models)
    wanted = split_tags(tags)
    derived: dict[str, str] = {}
    track_id = None
    if track is not None and str(track).strip():
        from engine.commentary.conditioning import tags_for_track

        found = tags_for_track(track, commentator.tag_vocabulary, library_path)
        derived, track_id = found.derived, found.track_id
        wanted += [t for t in found.tags if t not in wanted]
    known, unknown = commentator.known_tags(wanted)
    progress(0.5, "writing commentary")
    pairs = commentator.sample(known, n, temperature, seed)
    return CommentResult(known, unknown, pairs, derived, track_id)


def model_info(models: str | Path | None = None, progress: ProgressFn = no_progress,
               cancelled: CancelledFn = never_cancelled) -> dict[str, Any]:
    """Load the models (once) and return the tag vocabulary and the target topic's top words."""
    com = load_commentator(models)
    return {"tags": com.tag_vocabulary, "target_words": com.target_words(10)}


def regenerate(tags: list[str], temperature: float = 0.0, seed: int = 1,
               models: str | Path | None = None, progress: ProgressFn = no_progress,
               cancelled: CancelledFn = never_cancelled) -> Pair:
    """One new pair from a fresh latent drawn with ``seed``."""
    com = load_commentator(models)
    return com.sample(com.known_tags(tags)[0], 1, temperature, seed)[0]


def interpolate(z_a: list[float], z_b: list[float], tags: list[str], steps: int = 6,
                models: str | Path | None = None, progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled) -> list[Pair]:
    """A 5–7 sentence homotopy between two samples' latents (VAE | GAN pairs)."""
    com = load_commentator(models)
    return com.interpolate(z_a, z_b, com.known_tags(tags)[0], steps)


def derive_track_tags(track: str | int, models: str | Path | None = None,
                      library_path: str | Path | None = None, progress: ProgressFn = no_progress,
                      cancelled: CancelledFn = never_cancelled) -> Any:
    """Tags for a library track (a ``conditioning.TrackTags``), mapped onto the model's vocabulary."""
    from engine.commentary.conditioning import tags_for_track

    return tags_for_track(track, load_commentator(models).tag_vocabulary, library_path)
