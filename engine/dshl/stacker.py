"""The stacked second stage: gradient-boosted trees over junction features plus DSHL signals.

The composer's ranking was below the plain gbm baseline (test MRR 0.21 against 0.32): the neural
re-ranker sees only the 200 nearest hash codes and uses position in the tune only modulo a
phrase. The stacker ranks a wider first stage (the ``pool`` nearest codes plus every segment at
the tune position the successor would have) with scikit-learn's HistGradientBoosting over the
gbm baseline's plain junction features (:func:`engine.dshl.baselines.junction_features`) *and*
the DSHL signals: Hamming distance between h_F(s_i) and h_B(s_j), the continuous hash score, a
code-collision flag, the neural re-ranker's score, the exact position gap, and the score of
plain-junction trees fitted on training junctions (``base``: the gbm baseline's rows and
features, so the stacker keeps the training set's volume without neural leakage).

Leakage: the LSTMs and the re-ranker were trained on training junctions, where their scores are
over-confident. The stacker is therefore fitted on **selection** junctions, cross-fitted by
tune folds (out-of-fold predictions choose its settings), then refitted on all of selection.

Checkpoints stay weights-only: the fitted trees are exported to plain arrays
(:class:`TreeEnsemble`) and predicted in numpy; no sklearn object is ever pickled.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from engine.dshl.baselines import junction_features

KIND = "dshl_stacker"
FORMAT_VERSION = 1
STACKER_FILE = "stacker.pt"
FEATURES = ("last_pitch", "first_pitch", "interval", "last_chord", "first_chord", "held_start",
            "sounding_end", "phase_i", "phase_j", "position_i", "position_j", "gap_mod16",
            "ends_i", "starts_j", "last_len", "first_onset",
            "hamming", "hash_score", "code_collision", "rerank_score", "position_gap", "base_score")
N_PLAIN = 16  # the first columns: the gbm baseline's plain junction features


@dataclass
class StackerConfig:
    """Settings of the stacked ranker (stored in its checkpoint); the grid is chosen on selection."""

    pool: int = 400  # nearest hash codes ranked (plus the phrase-slot segments)
    slot: bool = True  # add every segment at the successor's tune position
    learning_rate: float = 0.1
    max_leaf_nodes: int = 15
    max_iter: int = 100
    negatives: int = 24  # per selection junction, drawn from its first-stage candidates
    folds: int = 3
    seed: int = 0


@dataclass
class TreeEnsemble:
    """Boosted regression trees as plain arrays; ``predict`` walks all trees at once in numpy."""

    feature: np.ndarray  # (nodes,) int64
    threshold: np.ndarray  # (nodes,) float64: x <= threshold goes left
    left: np.ndarray  # (nodes,) int64, global node index
    right: np.ndarray
    missing_left: np.ndarray  # (nodes,) bool: NaN goes left
    is_leaf: np.ndarray  # (nodes,) bool
    value: np.ndarray  # (nodes,) float64, leaf values
    roots: np.ndarray  # (trees,) int64
    baseline: float
    depth: int

    @classmethod
    def from_sklearn(cls, model) -> TreeEnsemble:
        """Export a fitted binary HistGradientBoostingClassifier (numeric features only)."""
        parts, roots, offset, depth = [], [], 0, 0
        for iteration in model._predictors:
            nodes = iteration[0].nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not exported")
            roots.append(offset)
            parts.append((nodes["feature_idx"].astype(np.int64), nodes["num_threshold"].astype(np.float64),
                          nodes["left"].astype(np.int64) + offset, nodes["right"].astype(np.int64) + offset,
                          nodes["missing_go_to_left"].astype(bool), nodes["is_leaf"].astype(bool),
                          nodes["value"].astype(np.float64)))
            depth = max(depth, int(nodes["depth"].max()))
            offset += len(nodes)
        cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
        return cls(*cols, np.asarray(roots, dtype=np.int64),
                   float(np.ravel(model._baseline_prediction)[0]), depth)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Raw scores (log-odds) of the rows of ``x`` (n, F): scikit-learn's compiled tree walk
        on predictor records rebuilt from the arrays, or :meth:`predict_numpy` without it."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        compiled = self._compiled()
        if not compiled:
            return self.predict_numpy(x)
        known, index_map = np.zeros((0, 8), dtype=np.uint32), np.zeros(x.shape[1], dtype=np.uint32)
        out = np.full(len(x), self.baseline)
        for tree in compiled:
            out += tree.predict(x, known, index_map, 1)
        return out

    def _compiled(self) -> list:
        """scikit-learn ``TreePredictor`` objects of the trees (built once; [] if unavailable)."""
        cached = self.__dict__.get("_predictors")
        if cached is None:
            cached = self.__dict__["_predictors"] = _sklearn_predictors(self)
        return cached

    def predict_numpy(self, x: np.ndarray) -> np.ndarray:
        """Raw scores walking all trees at once in numpy (the reference implementation)."""
        n, width = x.shape
        flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
        node = np.tile(self.roots, n)
        base = np.repeat(np.arange(n, dtype=np.int64) * width, len(self.roots))
        for _ in range(self.depth):
            inner = np.nonzero(~self.is_leaf[node])[0]
            if len(inner) == 0:
                break
            at = node[inner]
            v = flat[base[inner] + self.feature[at]]
            go_left = np.where(np.isnan(v), self.missing_left[at], v <= self.threshold[at])
            node[inner] = np.where(go_left, self.left[at], self.right[at])
        return self.baseline + self.value[node].reshape(n, len(self.roots)).sum(1)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays to store in a checkpoint."""
        return {k: getattr(self, k) for k in ("feature", "threshold", "left", "right",
                                               "missing_left", "is_leaf", "value", "roots")}


def _sklearn_predictors(trees: TreeEnsemble) -> list:
    """One scikit-learn ``TreePredictor`` per tree, built from the plain arrays (no pickle);
    [] when this scikit-learn lays its private predictor records out differently."""
    try:
        from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
        from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    except ImportError:
        return []
    fields = set(PREDICTOR_RECORD_DTYPE.names)
    if not {"value", "feature_idx", "num_threshold", "missing_go_to_left", "left", "right",
            "is_leaf", "is_categorical"} <= fields:
        return []
    ends = np.append(trees.roots[1:], len(trees.feature))
    empty = np.zeros((0, 8), dtype=np.uint32)
    out = []
    for root, end in zip(trees.roots, ends, strict=True):
        nodes = np.zeros(end - root, dtype=PREDICTOR_RECORD_DTYPE)
        part = slice(root, end)
        leaf = trees.is_leaf[part]
        nodes["value"] = trees.value[part]
        nodes["feature_idx"] = np.where(leaf, 0, trees.feature[part])
        nodes["num_threshold"] = trees.threshold[part]
        nodes["missing_go_to_left"] = trees.missing_left[part]
        nodes["left"] = np.where(leaf, 0, trees.left[part] - root)
        nodes["right"] = np.where(leaf, 0, trees.right[part] - root)
        nodes["is_leaf"] = leaf
        out.append(TreePredictor(nodes, empty, empty))
    return out


def stack_features(col, i, j: np.ndarray, base: TreeEnsemble | None) -> np.ndarray:
    """(len(j), len(FEATURES)) float32 features of the pairs (i, j[k]) in collection ``col``
    (``i`` one segment id, or one per pair); ``base`` scores the plain columns (0 without)."""
    meta = col.meta
    j = np.asarray(j, dtype=np.int64)
    qi = np.broadcast_to(np.asarray(i, dtype=np.int64), j.shape)
    plain = junction_features(meta, qi, j)
    L = meta.code_f.shape[1]
    ham = (meta.code_b[j] != meta.code_f[qi]).sum(1)
    soft = np.einsum("nlk,nlk->n", meta.soft_f[qi], meta.soft_b[j]) / L
    neural = col.scorer.score_pairs(meta, col.loaded.stat, col.u, col.v, qi, j)
    gap = np.clip(meta.position[j].astype(np.int64) - meta.position[qi] - 2, -16, 16)
    based = base.predict(plain) if base is not None else np.zeros(len(j))
    extra = np.stack([ham, soft, ham == 0, neural, gap, based], axis=1).astype(np.float32)
    return np.concatenate([plain, extra], axis=1)


SLOT_LIMIT = 100  # phrase-slot candidates added to the first stage, nearest codes first


def slot_indices(meta, i: int, pool: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Indices into ``pool`` of the members at the tune position i's successor would have
    (i's position + 2 hops), nearest codes first, at most :data:`SLOT_LIMIT`."""
    slot = np.nonzero(meta.position[pool] == meta.position[i] + 2)[0]
    return slot[np.argsort(keys[slot], kind="stable")[:SLOT_LIMIT]]


def first_stage(col, i: int, pool: np.ndarray, size: int, slot: bool,
                keys: np.ndarray | None = None) -> np.ndarray:
    """Indices into ``pool`` of the candidates the stacker ranks for query ``i``: the ``size``
    nearest codes (``keys``: hash order, ties by the continuous score) plus, with ``slot``, the
    phrase-slot members (:func:`slot_indices`)."""
    from engine.dshl.ranking import hash_keys

    if keys is None:
        keys = hash_keys(col.meta, i, pool, np.zeros(len(pool)))
    first = np.argsort(keys, kind="stable")[:size]
    if slot:
        first = np.union1d(first, slot_indices(col.meta, i, pool, keys))
    return first


@dataclass
class Stacker:
    """A fitted stacked ranker: its config, trees and the selection figures behind its choice."""

    config: StackerConfig
    trees: TreeEnsemble
    selection: dict
    base: TreeEnsemble | None = None  # plain-junction trees fitted on training junctions
    model_created: str = ""  # the training stamp of the DSHL model it was fitted for
    temperature: float | None = None  # sampling temperature calibrated with this stacker

    def scores(self, col, i: int, j: np.ndarray) -> np.ndarray:
        """Scores (higher = better successor) of candidates ``j`` after segment ``i``."""
        if len(j) == 0:
            return np.zeros(0)
        return self.trees.predict(stack_features(col, i, np.asarray(j, dtype=np.int64), self.base))

    def save(self, path: str | Path, metrics: dict | None = None) -> None:
        """Write a weights-only checkpoint (arrays, config, selection figures) atomically."""
        import torch

        from engine.checkpoint import Checkpoint, save_checkpoint

        state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in self.trees.arrays().items()}
        if self.base is not None:
            state.update({f"base.{k}": torch.from_numpy(np.ascontiguousarray(v))
                          for k, v in self.base.arrays().items()})
        config = {"stacker": asdict(self.config), "features": list(FEATURES),
                  "baseline": self.trees.baseline, "depth": self.trees.depth,
                  "base": None if self.base is None else [self.base.baseline, self.base.depth],
                  "temperature": self.temperature}
        save_checkpoint(path, Checkpoint(KIND, FORMAT_VERSION, config, state, dict(metrics or {}),
                                         {"selection": self.selection,
                                          "model_created": self.model_created}))


def load_stacker(path: str | Path) -> Stacker:
    """Load a stacker checkpoint (weights-only); raise CheckpointError if unusable."""
    from engine.checkpoint import CheckpointError, config_from_dict, load_checkpoint

    ckpt = load_checkpoint(path, KIND, FORMAT_VERSION)
    try:
        if list(ckpt.config["features"]) != list(FEATURES):
            raise ValueError("feature list differs")
        s = {k: v.numpy() for k, v in ckpt.state_dict.items()}
        trees = _trees(s, "", ckpt.config["baseline"], ckpt.config["depth"], len(FEATURES))
        base = ckpt.config.get("base")
        base = None if base is None else _trees(s, "base.", base[0], base[1], N_PLAIN)
        config = config_from_dict(StackerConfig, ckpt.config["stacker"])
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"{path}: incompatible stacker (format version "
                              f"{ckpt.format_version}): {exc}") from exc
    temperature = ckpt.config.get("temperature")
    return Stacker(config, trees, dict(ckpt.extra.get("selection", {})), base,
                   str(ckpt.extra.get("model_created", "")),
                   None if temperature is None else float(temperature))


def _trees(s: dict, prefix: str, baseline: float, depth: int, width: int) -> TreeEnsemble:
    """Rebuild one ensemble from checkpoint arrays; ValueError if they disagree."""
    trees = TreeEnsemble(s[prefix + "feature"], s[prefix + "threshold"], s[prefix + "left"],
                         s[prefix + "right"], s[prefix + "missing_left"].astype(bool),
                         s[prefix + "is_leaf"].astype(bool), s[prefix + "value"],
                         s[prefix + "roots"], float(baseline), int(depth))
    n = len(trees.feature)
    if any(len(a) != n for a in (trees.threshold, trees.left, trees.right, trees.value)) or (
            n and (trees.left.max() >= n or trees.right.max() >= n or trees.roots.max() >= n
                   or trees.feature.max() >= width)):
        raise ValueError("node arrays disagree")
    return trees
