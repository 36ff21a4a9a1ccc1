"""LDA topics over training sentences (scikit-learn), stored as arrays, never as a pickle.

The target topic is chosen automatically: the topic whose top words are most concrete
(instruments, timbre, production), scored against a fixed lexicon. ``TopicModel.probabilities``
rebuilds scikit-learn's variational inference from the stored arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.checkpoint import Checkpoint, load_checkpoint, save_checkpoint

KIND = "commentary-lda"
FORMAT_VERSION = 1

# Words naming instruments, timbre and production: what makes a description specific.
CONCRETE = frozenset("""
guitar guitars bass drums drum piano synth synths keyboard keys organ strings violin cello viola
trumpet trumpets saxophone sax flute horn horns brass percussion snare kick hi-hat hihat cymbals
cymbal toms tom clap claps shaker tambourine bongos congas tabla sitar harp accordion harmonica
banjo ukulele mandolin xylophone marimba bell bells choir pad pads synthesizer acoustic electric
distorted distortion reverb echo delay chords chord melody riff riffs groove bassline arpeggio
arpeggiated plucked strummed strumming fingerpicked notes beat beats rhythm kit sub 808 vocals
timbre tone tones playing plays played lead backing string sampled samples loop loops fills
""".split())


@dataclass
class TopicModel:
    """Topic-word pseudo-counts, the vectoriser vocabulary and the chosen target topic."""

    components: np.ndarray          # [K, V] float64
    words: list[str]
    doc_topic_prior: float
    target: int
    _index: dict[str, int] = field(init=False, repr=False)
    _sk: Any = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self._index = {w: i for i, w in enumerate(self.words)}

    @property
    def n_topics(self) -> int:
        """How many topics."""
        return int(self.components.shape[0])

    def top_words(self, topic: int, n: int = 10) -> list[str]:
        """The ``n`` heaviest words of ``topic``."""
        return [self.words[i] for i in np.argsort(-self.components[topic])[:n]]

    def counts(self, docs: list[list[str]]) -> Any:
        """Sparse document-term counts over the model's vocabulary."""
        from scipy.sparse import csr_matrix

        rows, cols = [], []
        for r, tokens in enumerate(docs):
            for tok in tokens:
                j = self._index.get(tok)
                if j is not None:
                    rows.append(r)
                    cols.append(j)
        data = np.ones(len(rows), dtype=np.float64)
        matrix = csr_matrix((data, (rows, cols)), shape=(len(docs), len(self.words)))
        matrix.sum_duplicates()
        return matrix

    def _sklearn(self) -> Any:
        if self._sk is None:
            from sklearn.decomposition import LatentDirichletAllocation

            lda = LatentDirichletAllocation(n_components=self.n_topics,
                                            doc_topic_prior=self.doc_topic_prior)
            lda.components_ = self.components
            lda.doc_topic_prior_ = self.doc_topic_prior
            lda.topic_word_prior_ = 1.0 / self.n_topics
            lda.exp_dirichlet_component_ = np.exp(_dirichlet_expectation(self.components))
            lda.n_features_in_ = len(self.words)
            lda.n_batch_iter_ = 1
            lda.n_iter_ = 1
            lda.bound_ = 0.0
            self._sk = lda
        return self._sk

    def probabilities(self, docs: list[list[str]]) -> np.ndarray:
        """Topic distribution [N, K] of tokenised documents (no known word → uniform)."""
        if not docs:
            return np.zeros((0, self.n_topics))
        return self._sklearn().transform(self.counts(docs))

    def target_probability(self, docs: list[list[str]]) -> np.ndarray:
        """Probability of the target topic for each document."""
        return self.probabilities(docs)[:, self.target] if docs else np.zeros(0)


def _dirichlet_expectation(alpha: np.ndarray) -> np.ndarray:
    from scipy.special import psi

    return psi(alpha) - psi(alpha.sum(axis=1))[:, np.newaxis]


def concreteness(words: list[str]) -> float:
    """Share of ``words`` in the concrete lexicon."""
    return sum(w in CONCRETE for w in words) / max(1, len(words))


def fit_topics(docs: list[list[str]], n_topics: int = 15, seed: int = 1, max_iter: int = 10,
               min_df: int = 5) -> TopicModel:
    """Fit LDA on tokenised sentences (English stop words and punctuation removed)."""
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    stop = set(ENGLISH_STOP_WORDS) | {"song", "music", "track", "recording", "sounds", "sound",
                                      "like", "audio", "quality"}
    vectoriser = CountVectorizer(analyzer=lambda toks: [t for t in toks if t.isalnum() or "-" in t]
                                 , min_df=min_df, stop_words=None)
    filtered = [[t for t in doc if t not in stop and t not in ",;:"] for doc in docs]
    matrix = vectoriser.fit_transform(filtered)
    words = list(vectoriser.get_feature_names_out())
    lda = LatentDirichletAllocation(n_components=n_topics, random_state=seed, max_iter=max_iter,
                                    learning_method="online", batch_size=512, n_jobs=1)
    lda.fit(matrix)
    model = TopicModel(lda.components_.astype(np.float64), words, float(lda.doc_topic_prior_), 0)
    scores = [concreteness(model.top_words(k, 10)) for k in range(n_topics)]
    model.target = int(np.argmax(scores))
    return model


def save(model: TopicModel, path: str | Path, metrics: dict[str, Any]) -> None:
    """Save the topic model as arrays in a weights-only checkpoint."""
    import torch

    config = {"words": model.words, "doc_topic_prior": model.doc_topic_prior,
              "target": model.target}
    state = {"components": torch.from_numpy(model.components.astype(np.float32))}
    save_checkpoint(path, Checkpoint(KIND, FORMAT_VERSION, config, state, metrics))


def load(path: str | Path) -> TopicModel:
    """Load a topic model saved by :func:`save`."""
    ckpt = load_checkpoint(path, KIND, FORMAT_VERSION)
    components = ckpt.state_dict["components"].double().numpy()
    return TopicModel(components, list(ckpt.config["words"]),
                      float(ckpt.config["doc_topic_prior"]), int(ckpt.config["target"]))
