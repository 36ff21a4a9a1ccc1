"""One hash network for every meter family, conditioned on meter: the alternative to one model
per family that issue #10 asks to measure.

Each family keeps its own split (the same tunes on the same sides as a per-family run with the
same seed) and its own Eq. 6–8 statistic; the chord vocabulary comes from the training tunes of
all families, so a chord slot means one chord everywhere. Stages 1 and 2 train one pair of LSTMs
on batches of every family, shuffled together (a batch holds one family, whose segment length
it shares), with the family's one-hot appended to every step. Stage 3 fits each family's small
re-ranker on the shared network's states. The result is saved as one checkpoint per family (the
same weights, each serving its meter slot), so retrieval, composing and ``segue eval dshl`` use
it unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from engine.dshl.corpus import Corpus, build_corpus, nottingham_grids
from engine.dshl.model import DSHL, DSHLConfig
from engine.dshl.splits import Split
from engine.dshl.store import family_dir
from engine.dshl.train import TrainConfig, Trained, fit_hash, make_part, prepare, save_trained, train_reranker
from engine.jobs import CancelledFn, never_cancelled
from engine.music.segments import StepGrid, chord_vocabulary

FAMILIES = ("duple", "triple")  # meter slot k of the network is the k-th family trained


Sources = dict[str, tuple[list[StepGrid], list[tuple[str, str]]]]  # family: (grids, skipped)


def nottingham_sources(families: tuple[str, ...] = FAMILIES) -> Sources:
    """The bundled Nottingham tunes of each family."""
    return {family: nottingham_grids(family) for family in families}


def joint_corpora(config: TrainConfig, sources: Sources) -> dict[str, tuple[Corpus, Split]]:
    """Each family's corpus and split, all encoded with one chord vocabulary learnt from the
    training tunes of every family."""
    read, train_grids = {}, []
    for family, (grids, skipped) in sources.items():
        corpus, split = prepare(grids, skipped, config.seed, config.test_fraction,
                                config.selection_fraction)
        train_names = {corpus.tunes[t] for t in split.train}
        train_grids += [g for g in grids if g.name in train_names]
        read[family] = (grids, skipped, corpus, split)
    vocab = chord_vocabulary(train_grids)
    out = {}
    for family, (grids, skipped, corpus, split) in read.items():
        shared = build_corpus(grids, vocab=vocab, skipped=skipped)
        groups = [[shared.tunes.index(corpus.tunes[t]) for t in g] for g in split.groups]
        out[family] = (shared, Split.from_names(split.names(corpus.tunes), shared.tunes, groups))
    return out


def train_joint(config: TrainConfig, sources: Sources | None = None,
                cancelled: CancelledFn = never_cancelled,
                log: Callable[[str], None] = print) -> dict[str, tuple[Trained, Corpus]]:
    """Train one meter-conditioned hash network on every family of ``sources`` (the bundled
    Nottingham tunes by default) and a re-ranker per family."""
    torch.set_num_threads(max(1, config.threads))
    torch.manual_seed(config.training_seed)
    rng = np.random.default_rng(config.training_seed)
    corpora = joint_corpora(config, sources or nottingham_sources())
    parts = [make_part(corpus, split, config, meter=k)
             for k, (corpus, split) in enumerate(corpora.values())]
    for family, part in zip(corpora, parts, strict=True):
        log(f"{family}: {len(part.split.train)} train / {len(part.split.selection)} selection / "
            f"{len(part.split.test)} test tunes, {len(part.train_segs)} training segments")
    model = DSHL(DSHLConfig(L=config.L, K=config.K, hidden=config.hidden, alpha=config.alpha,
                            meters=len(corpora)))
    fit_hash(model, parts, config, rng, cancelled, lambda message: None, log)
    model.eval()
    out = {}
    for family, part in zip(corpora, parts, strict=True):
        model.serve(part.meter)
        family_config = dataclasses.replace(config, family=family)
        reranker, chosen = train_reranker(model, part.corpus, part.split, part.train_junc,
                                          part.stat, family_config, rng, cancelled,
                                          lambda message, f=family: log(f"{f} {message}"),
                                          lambda f: None)
        snapshot = DSHL(model.config)
        snapshot.load_state_dict(model.state_dict())
        snapshot.eval()
        out[family] = (Trained(snapshot, reranker, part.stat.chord, part.stat.pitch, part.split,
                               family_config, chosen), part.corpus)
    return out


def save_joint(trained: dict[str, tuple[Trained, Corpus]], out_dir: str | Path) -> list[Path]:
    """Write one checkpoint per family under ``out_dir`` (the family layout of the store)."""
    paths = []
    for family, (model, corpus) in trained.items():
        folder = family_dir(Path(out_dir), family)
        folder.mkdir(parents=True, exist_ok=True)
        paths.append(save_trained(model, corpus, folder, {}))
    return paths
