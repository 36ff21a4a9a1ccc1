"""Train DSHL in three stages and save the model: pre-training, hash learning, re-ranker.

Stage 1 pre-trains the forward LSTM to predict the next step and the backward LSTM the previous
step. Stage 2 learns the hash functions (LSTMs fine-tuned) on successor pairs against sampled
negatives filtered by the Eq. 6–8 statistic. Stage 3 trains the re-ranker on frozen LSTM states.
Held-out tunes (no tune on both sides) are kept for evaluation and recorded in the checkpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from engine.checkpoint import Checkpoint, save_checkpoint
from engine.dshl.corpus import Corpus, nottingham_corpus
from engine.dshl.model import DSHL, FORMAT_VERSION, KIND, DSHLConfig
from engine.dshl.pairs import (
    Edges,
    TransitionStat,
    edges,
    sample_negatives,
    split_tunes,
    transition_stat,
)
from engine.dshl.reranker import (
    Reranker,
    RerankerConfig,
    SegmentMeta,
    n_pair_features,
    pair_features,
)
from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress

MODEL_FILE = "model.pt"
CORPUS_FILE = "nottingham.npz"


@dataclass
class TrainConfig:
    """Training schedule; the defaults reproduce the bundled model."""

    L: int = 8
    K: int = 4
    hidden: int = 128
    alpha: float = 0.5
    pre_epochs: int = 6
    hash_epochs: int = 12
    rerank_epochs: int = 8
    batch: int = 128
    lr: float = 2e-3
    seed: int = 0
    holdout_segments: int = 1500
    same_tune_negatives: float = 0.25
    rerank_pool: int = 200
    rerank_window: int = 2  # raw steps per side of the junction the re-ranker sees
    retrieved_negatives: int = 0  # per query, from its hash-retrieved candidates (16 measured: no gain)
    positive_hops: int = 2  # 2: successor starts where s_i ends (as rendered); 1: paper's overlap
    threads: int = 1


@dataclass
class Trained:
    """A trained model in memory: hash model, re-ranker, statistic tables and the split."""

    model: DSHL
    reranker: Reranker
    stat_chord: np.ndarray
    stat_pitch: np.ndarray
    heldout: np.ndarray  # tune ids
    config: TrainConfig


def train(config: TrainConfig, corpus: Corpus | None = None, progress: ProgressFn = no_progress,
          cancelled: CancelledFn = never_cancelled,
          log: Callable[[str], None] = print) -> tuple[Trained, Corpus]:
    """Run the three stages on ``corpus`` (the bundled Nottingham corpus by default)."""
    torch.set_num_threads(max(1, config.threads))
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    corpus = corpus or nottingham_corpus()
    held = split_tunes(corpus, config.holdout_segments, config.seed)
    train_segs = np.nonzero(~np.isin(corpus.tune, held))[0]
    positives = corpus.junctions if config.positive_hops == 2 else corpus.overlaps
    train_junc = positives[~np.isin(corpus.tune[positives[:, 0]], held)]
    e = edges(corpus.features)
    rendered = corpus.junctions[~np.isin(corpus.tune[corpus.junctions[:, 0]], held)]
    stat = transition_stat(e, rendered, train_segs)  # Eq. 6-8 on back-to-back junctions
    x = torch.from_numpy(corpus.features)
    model = DSHL(DSHLConfig(L=config.L, K=config.K, hidden=config.hidden, alpha=config.alpha))
    total = config.pre_epochs + config.hash_epochs + config.rerank_epochs
    done = 0

    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    for epoch in range(config.pre_epochs):
        order = rng.permutation(train_segs)
        losses = []
        for start in range(0, len(order), config.batch):
            check_cancelled(cancelled)
            loss = model.pretrain_loss(x[order[start:start + config.batch]])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        done += 1
        progress(done / total, f"pre-training {epoch + 1}/{config.pre_epochs}")
        log(f"pretrain epoch {epoch + 1}: loss {np.mean(losses):.4f}")

    successor = {(int(a), int(b)) for a, b in positives}
    opt = torch.optim.Adam(model.parameters(), lr=config.lr / 2)
    for epoch in range(config.hash_epochs):
        neg = sample_negatives(rng, train_segs, corpus.tune, successor, stat, e, len(train_junc),
                               config.same_tune_negatives)
        pairs = np.concatenate([train_junc, neg])
        labels = np.concatenate([np.ones(len(train_junc)), np.zeros(len(neg))])
        order = rng.permutation(len(pairs))
        losses = []
        for start in range(0, len(order), 2 * config.batch):
            check_cancelled(cancelled)
            idx = order[start:start + 2 * config.batch]
            _, loss = model(x[pairs[idx, 0]], x[pairs[idx, 1]], torch.from_numpy(labels[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        done += 1
        progress(done / total, f"hash learning {epoch + 1}/{config.hash_epochs}")
        log(f"hash epoch {epoch + 1}: loss {np.mean(losses):.4f}")

    model.eval()
    reranker = train_reranker(model, corpus, train_junc, stat, e, config, rng, cancelled, log,
                              lambda f: progress((done + f * config.rerank_epochs) / total, "re-ranker"))
    trained = Trained(model, reranker, stat.chord, stat.pitch, held, config)
    return trained, corpus


def train_reranker(model: DSHL, corpus: Corpus, train_junc: np.ndarray, stat: TransitionStat,
                   e: Edges, config: TrainConfig, rng: np.random.Generator,
                   cancelled: CancelledFn, log: Callable[[str], None],
                   progress: Callable[[float], None]) -> Reranker:
    """Stage 3: fit the re-ranker with a softmax over in-batch and retrieved candidates.

    Each query's candidates are the batch's successors, one random segment of its own tune per
    query, and ``retrieved_negatives`` segments drawn from what the hash index would return for
    it (its ``rerank_pool`` nearest codes among training tunes): the distribution the re-ranker
    faces when composing.
    """
    from engine.dshl.search import segment_meta, segment_states

    h_f, h_b = segment_states(model, corpus.features)
    rconfig = RerankerConfig(hidden_in=config.hidden, window=config.rerank_window,
                             n_pair=n_pair_features(config.rerank_window))
    meta = segment_meta(model, corpus, e, (h_f, h_b), rconfig.window)
    reranker = Reranker(rconfig)
    opt = torch.optim.Adam(reranker.parameters(), lr=config.lr)
    by_tune = {t: np.nonzero(corpus.tune == t)[0] for t in np.unique(corpus.tune[train_junc[:, 0]])}
    successor = {(int(a), int(b)) for a, b in train_junc}
    train_segs = np.unique(np.concatenate([ids for ids in by_tune.values()]))
    r = config.retrieved_negatives
    near = (nearest_codes(meta, train_junc[:, 0], train_segs, config.rerank_pool) if r
            else np.zeros((len(train_junc), 1), dtype=np.int64))
    for epoch in range(config.rerank_epochs):
        order = rng.permutation(len(train_junc))
        losses = []
        for start in range(0, len(order), config.batch):
            check_cancelled(cancelled)
            rows = order[start:start + config.batch]
            q, pos = train_junc[rows, 0], train_junc[rows, 1]
            hard = np.array([rng.choice(by_tune[int(corpus.tune[i])]) for i in q])
            cands = np.concatenate([pos, hard])
            own = near[rows[:, None], rng.integers(0, near.shape[1], (len(q), r))]
            qq = np.concatenate([np.repeat(q, len(cands)), np.repeat(q, r)])
            cc = np.concatenate([np.tile(cands, len(q)), own.ravel()])
            feats = torch.from_numpy(pair_features(meta, stat, qq, cc))
            mask = np.array([(a, b) in successor for a, b in zip(qq, cc, strict=True)])
            u = torch.tanh(reranker.proj_f(h_f[qq]))
            v = torch.tanh(reranker.proj_b(h_b[cc]))
            logits = reranker(u, v, feats)
            shared = logits[: len(q) * len(cands)].view(len(q), len(cands))
            logits = torch.cat([shared, logits[len(q) * len(cands):].view(len(q), r)], dim=1)
            mask = mask[: len(q) * len(cands)].reshape(len(q), -1), mask[len(q) * len(cands):]
            full_mask = np.concatenate([mask[0], mask[1].reshape(len(q), r)], axis=1)
            full_mask[np.arange(len(q)), np.arange(len(q))] = False
            logits = logits.masked_fill(torch.from_numpy(full_mask), -1e9)
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(q)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        progress((epoch + 1) / config.rerank_epochs)
        log(f"re-ranker epoch {epoch + 1}: loss {np.mean(losses):.4f}")
    reranker.eval()
    return reranker


def nearest_codes(meta: SegmentMeta, queries: np.ndarray, segments: np.ndarray, top: int,
                  chunk: int = 256) -> np.ndarray:
    """For each query, the ``top`` segments whose h_B is nearest to its h_F (ties: soft score)."""
    L = meta.code_f.shape[1]
    top = min(top, len(segments))
    out = np.empty((len(queries), top), dtype=np.int64)
    code_b, soft_b = meta.code_b[segments], meta.soft_b[segments]
    for start in range(0, len(queries), chunk):
        q = queries[start:start + chunk]
        ham = (meta.code_f[q][:, None, :] != code_b[None, :, :]).sum(-1)
        soft = np.einsum("qlk,nlk->qn", meta.soft_f[q], soft_b) / L
        key = ham - 0.999 * soft
        out[start:start + chunk] = segments[np.argpartition(key, top - 1, axis=1)[:, :top]]
    return out


def save_trained(trained: Trained, corpus: Corpus, out_dir: str | Path, metrics: dict) -> Path:
    """Write ``model.pt`` (weights-only checkpoint) and the corpus next to it; return the model path."""
    out_dir = Path(out_dir)
    state = {f"hash.{k}": v for k, v in trained.model.state_dict().items()}
    state.update({f"rerank.{k}": v for k, v in trained.reranker.state_dict().items()})
    state["stat.chord"] = torch.from_numpy(trained.stat_chord).float()
    state["stat.pitch"] = torch.from_numpy(trained.stat_pitch).float()
    config = {"dshl": asdict(trained.model.config), "reranker": asdict(trained.reranker.config),
              "train": asdict(trained.config)}
    extra = {"vocab": list(corpus.vocab), "heldout": [corpus.tunes[t] for t in trained.heldout],
             "corpus": CORPUS_FILE, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    path = out_dir / MODEL_FILE
    save_checkpoint(path, Checkpoint(KIND, FORMAT_VERSION, config, state, metrics, extra))
    corpus.save(out_dir / CORPUS_FILE)
    return path
