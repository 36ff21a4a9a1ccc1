"""The tag-recovery judge: TF-IDF + one-vs-rest logistic regression from caption text to the 100 tags.

Trained on training captions (regularisation chosen on the selection captions); scored with
label-ranking average precision (LRAP) on any texts against their tag sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Tagger:
    """A fitted vectoriser + classifier and the C it was chosen with."""

    vectoriser: Any
    classifier: Any
    c: float

    def scores(self, texts: list[str]) -> np.ndarray:
        """Tag scores [N, 100] for texts."""
        return self.classifier.decision_function(self.vectoriser.transform(texts))

    def lrap(self, texts: list[str], truth: np.ndarray) -> float:
        """Label-ranking average precision of ``texts`` against multi-hot ``truth``."""
        from sklearn.metrics import label_ranking_average_precision_score

        return float(label_ranking_average_precision_score(truth, self.scores(texts)))


def fit_tagger(texts: list[str], truth: np.ndarray, sel_texts: list[str], sel_truth: np.ndarray,
               grid: tuple[float, ...] = (1.0, 4.0, 16.0)) -> tuple[Tagger, dict[float, float]]:
    """Fit for each C in ``grid``; keep the best on the selection split (LRAP)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    vectoriser = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    matrix = vectoriser.fit_transform(texts)
    best: Tagger | None = None
    scores: dict[float, float] = {}
    for c in grid:
        classifier = OneVsRestClassifier(LogisticRegression(C=c, max_iter=300, solver="liblinear"))
        classifier.fit(matrix, truth)
        candidate = Tagger(vectoriser, classifier, c)
        scores[c] = candidate.lrap(sel_texts, sel_truth)
        if best is None or scores[c] > scores[best.c]:
            best = candidate
    assert best is not None
    return best, scores
