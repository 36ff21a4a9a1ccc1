"""Music, speech or other: the detector that keeps non-music out of default playlists.

Every analysed track gets a ``kind``: ``music``, ``speech`` (reading, talk, voice clips) or
``other`` (sound effects, field recordings). The detector is a multinomial logistic regression
(numpy) over the track's *evidence* (:func:`evidence`):

* the analysis cues (:mod:`.features`: spectral shape, MFCC statistics, onsets, pulse clarity,
  rhythm ratios) and the chroma stability of :mod:`.nonmusic`, standardised;
* the music tagger's tag probabilities as logits (:mod:`.tagging`: vocals, instrumental, genre,
  mood), when the tagger heard the track, with an indicator; zeros and the indicator off when it
  could not (shorter than a second, no model), so one model covers both.

Duration is deliberately not an input: sound effects are short in the evaluation set, but a
detector that learned "short means not music" would fail on jingles, long field recordings and
audiobooks. The weights (``assets/models/library/kind.json``, a few kB of JSON: inputs, mean,
scale, weights, bias, how it was fitted) are made by ``segue library train-kind`` on the real
recordings' fit split, with the regularisation chosen on the selection split
(:mod:`engine.library.evaluation.kind_fit`); the test split is left for ``segue eval playlist``.
Without the file the legacy two-cue rule of :mod:`.nonmusic` decides (music or other).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine import paths

KINDS = ("music", "speech", "other")
MUSIC, SPEECH, OTHER = KINDS
FORMAT = 1
N_CUES = 64  # FEATURE_NAMES[:64]: everything but the 48-bin periodicity spectrum
TAG_CLIP = 1e-4


def model_path() -> Path:
    """The bundled detector: ``assets/models/library/kind.json``."""
    return paths.assets_dir() / "models" / "library" / "kind.json"


def evidence(features: np.ndarray, stability: float, tag_probs: np.ndarray | None,
             n_tags: int) -> np.ndarray:
    """The detector's input row: 64 cues, the chroma stability, a has-tags flag, tag logits."""
    cues = np.asarray(features, dtype=np.float64)[:N_CUES]
    tags = np.zeros(n_tags)
    has = 0.0
    if tag_probs is not None and len(tag_probs) == n_tags:
        p = np.clip(np.asarray(tag_probs, dtype=np.float64), TAG_CLIP, 1 - TAG_CLIP)
        tags, has = np.log(p / (1 - p)), 1.0
    return np.concatenate([cues, [float(stability), has], tags]).astype(np.float64)


@dataclass
class KindModel:
    """A fitted detector: standardisation, weights ``(3, d)`` and bias ``(3,)``."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    tag_model: str = ""
    n_tags: int = 0
    info: dict[str, object] = field(default_factory=dict)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, 3)`` (music, speech, other) of evidence rows."""
        z = (np.atleast_2d(rows) - self.mean) / self.scale
        logits = z @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def classify(self, row: np.ndarray) -> tuple[str, np.ndarray]:
        """The kind of one evidence row and its class probabilities."""
        p = self.probabilities(row)[0]
        return KINDS[int(np.argmax(p))], p

    def to_json(self) -> str:
        """The JSON the bundled file holds."""
        return json.dumps({
            "format": FORMAT, "kinds": list(KINDS), "tag_model": self.tag_model,
            "n_tags": self.n_tags, "mean": self.mean.tolist(), "scale": self.scale.tolist(),
            "weights": self.weights.tolist(), "bias": self.bias.tolist(), "info": self.info,
        }, indent=1)

    @classmethod
    def from_json(cls, text: str) -> KindModel:
        """Read :meth:`to_json`'s output; ValueError when it is not a detector of this format."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT or \
                data.get("kinds") != list(KINDS):
            raise ValueError("not a Segue kind detector (format 1)")
        model = cls(np.asarray(data["mean"], float), np.asarray(data["scale"], float),
                    np.asarray(data["weights"], float), np.asarray(data["bias"], float),
                    str(data.get("tag_model", "")), int(data.get("n_tags", 0)),
                    dict(data.get("info", {})))
        d = len(model.mean)
        if model.weights.shape != (len(KINDS), d) or model.scale.shape != (d,) or \
                model.bias.shape != (len(KINDS),) or d != N_CUES + 2 + model.n_tags:
            raise ValueError("kind detector: inconsistent shapes")
        return model


@functools.lru_cache(maxsize=1)
def bundled() -> KindModel | None:
    """The bundled detector, or None (missing or unreadable: the legacy rule decides)."""
    try:
        return KindModel.from_json(model_path().read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def fit(rows: np.ndarray, labels: np.ndarray, l2: float = 1.0, steps: int = 400,
        class_weight: bool = True) -> KindModel:
    """Multinomial logistic regression by full-batch gradient descent (Adam) with L2 ``l2``.

    ``labels``: indices into :data:`KINDS`. Classes are weighted to equal total weight, so the
    few speech clips count as much as the many music tracks.
    """
    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = (x - mean) / scale
    n, d = z.shape
    k = len(KINDS)
    onehot = np.eye(k)[y]
    counts = np.maximum(np.bincount(y, minlength=k), 1)
    sample_w = (n / (k * counts[y])) if class_weight else np.ones(n)
    w, b = np.zeros((k, d)), np.zeros(k)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    for step in range(1, steps + 1):
        logits = z @ w.T + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        err = (p - onehot) * sample_w[:, None] / n
        g_w = err.T @ z + l2 * w / n
        g_b = err.sum(axis=0)
        for g, mom, vel in ((g_w, m_w, v_w), (g_b, m_b, v_b)):
            mom *= beta1
            mom += (1 - beta1) * g
            vel *= beta2
            vel += (1 - beta2) * g * g
        w -= rate * (m_w / (1 - beta1 ** step)) / (np.sqrt(v_w / (1 - beta2 ** step)) + 1e-8)
        b -= rate * (m_b / (1 - beta1 ** step)) / (np.sqrt(v_b / (1 - beta2 ** step)) + 1e-8)
    return KindModel(mean, scale, w, b)


def decide(features: np.ndarray, stability: float, score: float,
           tag_probs: np.ndarray | None, tag_model: str) -> tuple[str, float]:
    """The kind of an analysed track and its probability of being music.

    Uses the bundled detector when there is one for ``tag_model``'s tags (or when the track has
    no tags); else the legacy rule on ``score`` (:func:`engine.library.analysis.nonmusic.is_music`).
    """
    from engine.library.analysis.nonmusic import is_music

    model = bundled()
    if model is not None and (tag_probs is None or tag_model == model.tag_model):
        kind, p = model.classify(evidence(features, stability, tag_probs, model.n_tags))
        return kind, float(p[0])
    return (MUSIC, 1.0) if is_music(score) else (OTHER, 0.0)
