"""Train DSHL in three stages and save the model: pre-training, hash learning, re-ranker.

Splits first (:mod:`engine.dshl.splits`): tunes go to train / selection / test with near-
duplicates grouped; the chord vocabulary and the Eq. 6–8 statistic come from training tunes
only, and the test tunes are never read here. Stage 1 pre-trains the forward LSTM to predict
the next step and the backward LSTM the previous step. Stage 2 learns the hash functions (LSTMs
fine-tuned) on successor pairs against sampled negatives filtered by the statistic. Stage 3
trains the re-ranker on frozen LSTM states and keeps the epoch with the best selection MRR.
Chord dropout (a fraction of segments, pairs and batches with chord bits zeroed) in every stage
makes melody-only collections in-distribution.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.checkpoint import Checkpoint, save_checkpoint
from engine.dshl.corpus import Corpus, build_corpus, nottingham_grids
from engine.dshl.model import DSHL, FORMAT_VERSION, KIND, DSHLConfig
from engine.dshl.pairs import Edges, TransitionStat, edges, sample_negatives, transition_stat
from engine.dshl.reranker import NumpyScorer, Reranker, RerankerConfig, SegmentMeta, n_pair_features
from engine.dshl.splits import Split, split_tunes
from engine.dshl.store import CORPUS_FILE, MODEL_FILE
from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.music.segments import CHORD0, StepGrid, chord_vocabulary


@dataclass
class TrainConfig:
    """Training schedule; the defaults (trained ``--joint``) reproduce the bundled models."""

    L: int = 8
    K: int = 4
    hidden: int = 64  # 128 in the first bundled model; 64 trains 3-4x faster on a shared CPU
    alpha: float = 0.5
    pre_epochs: int = 4
    hash_epochs: int = 8
    rerank_epochs: int = 8
    batch: int = 128
    lr: float = 2e-3
    seed: int = 0  # the split's seed, and the training seed unless train_seed is set
    train_seed: int | None = None  # a rerun of training on the same split
    test_fraction: float = 0.1
    selection_fraction: float = 0.1
    same_tune_negatives: float = 0.25
    rerank_pool: int = 200
    rerank_window: int = 2  # raw steps per side of the junction the re-ranker sees
    chord_dropout: float = 0.3  # share of segments / pairs / batches trained without chords
    rerank_chord_dropout: float = 0.5  # share of re-ranker batches trained without chords
    rerank_cues: int = 2  # 2: exact tune-position cues (see RerankerConfig)
    position_negatives: int = 1  # per query, a segment of another tune at its successor's position
    selection_queries: int = 400  # selection junctions scored after each re-ranker epoch
    positive_hops: int = 2  # 2: successor starts where s_i ends (as rendered); 1: paper's overlap
    family: str = "duple"
    threads: int = 1

    @property
    def training_seed(self) -> int:
        """The seed of initial weights, batch order and negatives."""
        return self.seed if self.train_seed is None else self.train_seed


@dataclass
class Trained:
    """A trained model in memory: hash model, re-ranker, statistic tables and the split."""

    model: DSHL
    reranker: Reranker
    stat_chord: np.ndarray
    stat_pitch: np.ndarray
    split: Split
    config: TrainConfig
    selection: dict = field(default_factory=dict)  # selection MRR per re-ranker epoch, choice

    @property
    def heldout(self) -> np.ndarray:
        """Test tune ids (kept for callers of the first version)."""
        return self.split.test


def without_chords(features: np.ndarray) -> np.ndarray:
    """A copy of ``features`` with every chord bit zeroed (melody-only input)."""
    out = np.array(features, copy=True)
    out[..., CHORD0:] = 0
    return out


def chord_dropout(x: torch.Tensor, x0: torch.Tensor, rows: np.ndarray,
                  drop: np.ndarray) -> torch.Tensor:
    """Segments ``rows`` of ``x``, taken from the chord-less ``x0`` where ``drop`` is set."""
    return torch.where(torch.from_numpy(np.asarray(drop, dtype=bool))[:, None, None],
                       x0[rows], x[rows])


def prepare(grids: list[StepGrid], skipped: list[tuple[str, str]] | None = None, seed: int = 0,
            test: float = 0.1, selection: float = 0.1) -> tuple[Corpus, Split]:
    """Split the tunes (near-duplicates grouped) and build the corpus with the chord vocabulary
    of the training tunes only."""
    provisional = build_corpus(grids, skipped=skipped)
    split = split_tunes(provisional.features, provisional.tune, provisional.tunes, seed, test,
                        selection)
    train_names = {provisional.tunes[t] for t in split.train}
    vocab = chord_vocabulary([g for g in grids if g.name in train_names])
    corpus = build_corpus(grids, vocab=vocab, skipped=skipped)
    return corpus, Split.from_names(split.names(provisional.tunes), corpus.tunes, split.groups)


def training_statistic(corpus: Corpus, split: Split) -> tuple[TransitionStat, Edges]:
    """The Eq. 6–8 statistic from training tunes' back-to-back junctions only."""
    e = edges(corpus.features)
    train_segs = corpus.subset_tunes(split.train)
    rendered = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], split.train)]
    return transition_stat(e, rendered, train_segs), e


@dataclass
class Part:
    """One meter family's training data: a run trains one part, or several through one network."""

    corpus: Corpus
    split: Split
    stat: TransitionStat
    edges: Edges
    positives: np.ndarray  # (a, b) successor pairs the hash codes must make collide
    train_segs: np.ndarray
    train_junc: np.ndarray
    x: torch.Tensor
    x0: torch.Tensor  # the same segments without chords
    meter: int = 0  # the model's meter slot for this part (0 when it is not conditioned)


def make_part(corpus: Corpus, split: Split, config: TrainConfig, meter: int = 0) -> Part:
    """Gather what the stages need from one family's corpus (training tunes only)."""
    positives = corpus.junctions if config.positive_hops == 2 else corpus.overlaps
    stat, e = training_statistic(corpus, split)
    return Part(corpus, split, stat, e, positives, corpus.subset_tunes(split.train),
                positives[np.isin(corpus.tune[positives[:, 0]], split.train)],
                torch.from_numpy(corpus.features),
                torch.from_numpy(without_chords(corpus.features)), meter)


def _batches(rng: np.random.Generator, sizes: list[int], batch: int) -> list[tuple[int, np.ndarray]]:
    """(part, positions) batches over every part, each batch from one part (one segment length);
    with several parts the batches are shuffled together."""
    out = []
    for k, size in enumerate(sizes):
        order = rng.permutation(size)
        out += [(k, order[start:start + batch]) for start in range(0, size, batch)]
    if len(sizes) > 1:
        out = [out[i] for i in rng.permutation(len(out))]
    return out


def fit_hash(model: DSHL, parts: list[Part], config: TrainConfig, rng: np.random.Generator,
             cancelled: CancelledFn, step: Callable[[str], None],
             log: Callable[[str], None]) -> None:
    """Stages 1 and 2 over ``parts``: pre-training, then hash learning against negatives."""
    p = config.chord_dropout

    def pick(part: Part, rows: np.ndarray, drop: np.ndarray) -> torch.Tensor:
        model.serve(part.meter)
        return chord_dropout(part.x, part.x0, rows, drop)

    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    for epoch in range(config.pre_epochs):
        losses = []
        for k, at in _batches(rng, [len(part.train_segs) for part in parts], config.batch):
            check_cancelled(cancelled)
            rows = parts[k].train_segs[at]
            loss = model.pretrain_loss(pick(parts[k], rows, rng.random(len(rows)) < p))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        step(f"pre-training {epoch + 1}/{config.pre_epochs}")
        log(f"pretrain epoch {epoch + 1}: loss {np.mean(losses):.4f}")

    successors = [{(int(a), int(b)) for a, b in part.positives} for part in parts]
    opt = torch.optim.Adam(model.parameters(), lr=config.lr / 2)
    for epoch in range(config.hash_epochs):
        pairs, labels = [], []
        for part, successor in zip(parts, successors, strict=True):
            neg = sample_negatives(rng, part.train_segs, part.corpus.tune, successor, part.stat,
                                   part.edges, len(part.train_junc), config.same_tune_negatives)
            pairs.append(np.concatenate([part.train_junc, neg]))
            labels.append(np.concatenate([np.ones(len(part.train_junc)), np.zeros(len(neg))]))
        losses = []
        for k, idx in _batches(rng, [len(x) for x in pairs], 2 * config.batch):
            check_cancelled(cancelled)
            drop = rng.random(len(idx)) < p
            _, loss = model(pick(parts[k], pairs[k][idx, 0], drop),
                            pick(parts[k], pairs[k][idx, 1], drop),
                            torch.from_numpy(labels[k][idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        step(f"hash learning {epoch + 1}/{config.hash_epochs}")
        log(f"hash epoch {epoch + 1}: loss {np.mean(losses):.4f}")


def train(config: TrainConfig, corpus: Corpus | None = None, split: Split | None = None,
          progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
          log: Callable[[str], None] = print) -> tuple[Trained, Corpus]:
    """Run the three stages (the bundled Nottingham tunes of ``config.family`` by default)."""
    torch.set_num_threads(max(1, config.threads))
    torch.manual_seed(config.training_seed)
    rng = np.random.default_rng(config.training_seed)
    if corpus is None or split is None:
        grids, skipped = nottingham_grids(config.family)
        corpus, split = prepare(grids, skipped, config.seed, config.test_fraction,
                                config.selection_fraction)
    log(f"split: {len(split.train)} train / {len(split.selection)} selection / "
        f"{len(split.test)} test tunes, {len(split.groups)} near-duplicate groups")
    part = make_part(corpus, split, config)
    model = DSHL(DSHLConfig(L=config.L, K=config.K, hidden=config.hidden, alpha=config.alpha))
    total = config.pre_epochs + config.hash_epochs + config.rerank_epochs
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        progress(done / total, message)

    fit_hash(model, [part], config, rng, cancelled, step, log)
    model.eval()
    reranker, chosen = train_reranker(
        model, corpus, split, part.train_junc, part.stat, config, rng, cancelled, log,
        lambda f: progress((done + f * config.rerank_epochs) / total, "re-ranker"))
    trained = Trained(model, reranker, part.stat.chord, part.stat.pitch, split, config, chosen)
    return trained, corpus


def _views(model: DSHL, corpus: Corpus, window: int, cues: int = 1
           ) -> list[tuple[torch.Tensor, torch.Tensor, SegmentMeta]]:
    """(h_F, h_B, meta) with chords and without chords (the melody-only view)."""
    from engine.dshl.search import segment_meta, segment_states

    views = []
    for feats in (corpus.features, without_chords(corpus.features)):
        h_f, h_b = segment_states(model, feats)
        view = dataclasses.replace(corpus, features=feats)
        views.append((h_f, h_b, segment_meta(model, view, edges(feats), (h_f, h_b), window, cues)))
    return views


def train_reranker(model: DSHL, corpus: Corpus, split: Split, train_junc: np.ndarray,
                   stat: TransitionStat, config: TrainConfig, rng: np.random.Generator,
                   cancelled: CancelledFn, log: Callable[[str], None],
                   progress: Callable[[float], None]) -> tuple[Reranker, dict]:
    """Stage 3: fit the re-ranker with a softmax over in-batch candidates; keep the epoch whose
    selection MRR (mean of with-chords and melody-only) is best.

    Each query's candidates are the batch's successors, one random segment of its own tune per
    query and ``position_negatives`` segments of other training tunes at the position its
    successor has (harder: the position cue alone cannot tell them apart). A
    ``rerank_chord_dropout`` share of batches is trained on the melody-only view.
    """
    from engine.dshl.pairs import Edges  # noqa: F401  (documented type of meta.edges)
    from engine.dshl.ranking import Scoring, composer_mrr
    from engine.dshl.reranker import pair_features

    rconfig = RerankerConfig(hidden_in=config.hidden, window=config.rerank_window,
                             n_pair=n_pair_features(config.rerank_window, config.rerank_cues),
                             cues=config.rerank_cues)
    views = _views(model, corpus, rconfig.window, rconfig.cues)
    reranker = Reranker(rconfig)
    opt = torch.optim.Adam(reranker.parameters(), lr=config.lr)
    by_tune = {t: np.nonzero(corpus.tune == t)[0] for t in np.unique(corpus.tune[train_junc[:, 0]])}
    successor = {(int(a), int(b)) for a, b in train_junc}
    train_ids = np.concatenate(list(by_tune.values()))
    at_position = {int(p): train_ids[corpus.position[train_ids] == p]
                   for p in np.unique(corpus.position[train_ids])}
    sel_pool = corpus.subset_tunes(split.selection)
    sel_junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], split.selection)]
    sel_junc = sel_junc[np.random.default_rng(config.seed).permutation(len(sel_junc))
                        [:config.selection_queries]]
    history, best, best_state, chosen_epoch = [], -1.0, None, 0
    for epoch in range(config.rerank_epochs):
        order = rng.permutation(len(train_junc))
        losses = []
        reranker.train()
        for start in range(0, len(order), config.batch):
            check_cancelled(cancelled)
            h_f, h_b, meta = views[1] if rng.random() < config.rerank_chord_dropout else views[0]
            rows = order[start:start + config.batch]
            q, pos = train_junc[rows, 0], train_junc[rows, 1]
            hard = [np.array([rng.choice(by_tune[int(corpus.tune[i])]) for i in q])]
            for _ in range(config.position_negatives):
                hard.append(np.array([rng.choice(at_position.get(int(corpus.position[j]), [j]))
                                      for j in pos]))
            cands = np.concatenate([pos, *hard])
            qq, cc = np.repeat(q, len(cands)), np.tile(cands, len(q))
            feats = torch.from_numpy(pair_features(meta, stat, qq, cc))
            mask = np.array([(a, b) in successor for a, b in zip(qq, cc, strict=True)])
            u = torch.tanh(reranker.proj_f(h_f[qq]))
            v = torch.tanh(reranker.proj_b(h_b[cc]))
            logits = reranker(u, v, feats).view(len(q), len(cands))
            mask = mask.reshape(len(q), len(cands))
            mask[np.arange(len(q)), np.arange(len(q))] = False
            logits = logits.masked_fill(torch.from_numpy(mask), -1e9)
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(q)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        reranker.eval()
        scores = []
        for h_f, h_b, meta in views:
            with torch.no_grad():
                u_all, v_all = reranker.project(h_f, h_b)
            s = Scoring(meta, stat, u_all.numpy(), v_all.numpy(), NumpyScorer(reranker))
            scores.append(composer_mrr(s, sel_junc, sel_pool, config.rerank_pool, config.seed))
        score = float(np.mean(scores))
        history.append([round(v, 4) for v in scores])
        if score > best:
            best, best_state = score, {k: v.clone() for k, v in reranker.state_dict().items()}
            chosen_epoch = epoch + 1
        progress((epoch + 1) / config.rerank_epochs)
        log(f"re-ranker epoch {epoch + 1}: loss {np.mean(losses):.4f}, selection MRR "
            f"{scores[0]:.4f} (melody-only {scores[1]:.4f})")
    if best_state is not None:
        reranker.load_state_dict(best_state)
    reranker.eval()
    return reranker, {"rerank_epoch": chosen_epoch, "selection_mrr_by_epoch": history}


def retrain_reranker(path: str | Path, config: TrainConfig, out_dir: str | Path,
                     log: Callable[[str], None] = print) -> Path:
    """Stage 3 alone: keep a saved model's hash network, split and statistic, train a new
    re-ranker with ``config`` and save the result in ``out_dir``."""
    from engine.dshl import store

    loaded = store.load_model(path)
    corpus = store.read_corpus(Path(path).parent / CORPUS_FILE)
    index = {n: k for k, n in enumerate(corpus.tunes)}
    split = Split.from_names(loaded.split or {}, corpus.tunes,
                             [[index[n] for n in g if n in index]
                              for g in loaded.duplicate_groups or []])
    torch.set_num_threads(max(1, config.threads))
    torch.manual_seed(config.seed)
    stat, _ = training_statistic(corpus, split)
    train_junc = corpus.junctions[np.isin(corpus.tune[corpus.junctions[:, 0]], split.train)]
    reranker, chosen = train_reranker(loaded.model, corpus, split, train_junc, stat, config,
                                      np.random.default_rng(config.seed), never_cancelled, log,
                                      lambda f: None)
    trained = Trained(loaded.model, reranker, stat.chord, stat.pitch, split, config, chosen)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return save_trained(trained, corpus, out_dir, {})


def save_trained(trained: Trained, corpus: Corpus, out_dir: str | Path, metrics: dict,
                 compose: dict | None = None) -> Path:
    """Write ``model.pt`` (weights-only checkpoint) and the corpus next to it; return the model path."""
    out_dir = Path(out_dir)
    state = {f"hash.{k}": v for k, v in trained.model.state_dict().items()}
    state.update({f"rerank.{k}": v for k, v in trained.reranker.state_dict().items()})
    state["stat.chord"] = torch.from_numpy(trained.stat_chord).float()
    state["stat.pitch"] = torch.from_numpy(trained.stat_pitch).float()
    config = {"dshl": asdict(trained.model.config), "reranker": asdict(trained.reranker.config),
              "train": asdict(trained.config), "compose": dict(compose or {})}
    split = trained.split
    extra = {"vocab": list(corpus.vocab), "heldout": [corpus.tunes[t] for t in split.test],
             "split": split.names(corpus.tunes),
             "duplicate_groups": [[corpus.tunes[t] for t in g] for g in split.groups],
             "family": corpus.family, "selection": trained.selection,
             "corpus": CORPUS_FILE, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    path = out_dir / MODEL_FILE
    save_checkpoint(path, Checkpoint(KIND, FORMAT_VERSION, config, state, metrics, extra))
    corpus.save(out_dir / CORPUS_FILE)
    return path
