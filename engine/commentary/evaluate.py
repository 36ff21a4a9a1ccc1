"""`segue eval commentary`: every figure on the test captions (read once), baselines trained in the run.

Perplexities per word (ELBO, importance-weighted with 20 samples, a tag-conditioned LSTM LM of
the same size trained for the same epochs with the same selection rule, and a Kneser-Ney 3-gram
whose discount is chosen on the selection split); KL and active units; the GAN's target-topic
lift, shift and norm; distinct-2 and repeated 3-grams; tag recovery (greedy single sentences,
as in round 1). Then the written paragraphs (:mod:`evaluate_paragraphs`): distinct-2 against real
captions, copies, tag mention, contradictions, paragraph tag recovery, the GAN on paragraphs, tag
coverage and speed. 95 % bootstrap intervals (1,000 resamples of test items) for the headline
figures.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.commentary import corpus
from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress

IW_SAMPLES = 20
TOPIC_SAMPLES = 2000
SENTENCES_PER_CAPTION = 4


def _bootstrap(values: np.ndarray, weights: np.ndarray | None, stat: Any, seed: int = 0,
               n: int = 1000) -> list[float]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        idx = rng.integers(0, len(values), len(values))
        out.append(stat(values[idx], None if weights is None else weights[idx]))
    return [round(float(np.percentile(out, 2.5)), 4), round(float(np.percentile(out, 97.5)), 4)]


def _ppl(nll: np.ndarray, tokens: np.ndarray | None) -> float:
    return math.exp(float(nll.sum()) / float(tokens.sum()))


def _per_sentence(model: Any, data: corpus.Encoded, fn: Any) -> np.ndarray:
    import torch

    from engine.commentary.batching import batches

    out = np.zeros(len(data.ids))
    order = sorted(range(len(data.ids)), key=lambda i: len(data.ids[i]))  # same order as batches()
    pos = 0
    torch.manual_seed(0)
    with torch.no_grad():
        for ids, lengths, attrs in batches(data, 256, shuffle=False):
            values = fn(ids, lengths, attrs).numpy()
            out[order[pos:pos + len(values)]] = values
            pos += len(values)
    return out


def distinct_2(sentences: list[list[str]]) -> float:
    """Unique bigrams / all bigrams over a set of sentences."""
    grams = [tuple(s[i:i + 2]) for s in sentences for i in range(len(s) - 1)]
    return len(set(grams)) / max(1, len(grams))


def repeated_trigram_rate(sentences: list[list[str]]) -> float:
    """Share of sentences in which some 3-gram occurs twice."""
    def repeats(s: list[str]) -> bool:
        grams = [tuple(s[i:i + 3]) for i in range(len(s) - 2)]
        return len(grams) != len(set(grams))
    return sum(map(repeats, sentences)) / max(1, len(sentences))


def evaluate(models: str | Path | None = None, progress: ProgressFn = no_progress,
             cancelled: CancelledFn = never_cancelled, csv_path: str | Path | None = None,
             iw_samples: int = IW_SAMPLES, topic_samples: int = TOPIC_SAMPLES) -> dict[str, Any]:
    """Run every commentary figure on the test split; return the eval JSON as a dict."""
    import torch

    from engine.checkpoint import CheckpointError
    from engine.commentary import cvae as cvae_mod
    from engine.commentary import lexicon
    from engine.commentary.lm import LMConfig, TagLM
    from engine.commentary.ngram import KneserNey3
    from engine.commentary.service import Commentator
    from engine.commentary.train import CVAE_FILE, LEXICON_FILE, bundled_dir, fit_sentences
    from engine.errors import UserFacingError

    started = time.monotonic()
    folder = Path(models) if models is not None else bundled_dir()
    digest = _digest(folder / CVAE_FILE)
    try:
        model, ckpt = cvae_mod.load(folder / CVAE_FILE)
        lex = lexicon.load(folder / LEXICON_FILE)
    except CheckpointError as exc:
        raise UserFacingError(f"commentary model: {exc}") from exc
    vocab = corpus.Vocab(list(ckpt.extra["words"]), list(ckpt.extra["tags"]))
    split_seed, cvae_metrics = int(ckpt.extra.get("split_seed", 1)), ckpt.metrics
    split = corpus.split_captions(corpus.load_captions(csv_path), split_seed)
    train, sel, test = (corpus.encode_split(split[k], vocab, lex)
                        for k in ("train", "selection", "test"))
    tokens = np.array([len(x) for x in test.ids], dtype=np.float64)
    progress(0.02, "ELBO and KL")
    both = _per_sentence(model, test, lambda i, n, a: torch.stack(model.elbo_terms(i, n, a)[:2], 1)
                         .sum(1))
    kl = _per_sentence(model, test, lambda i, n, a: model.elbo_terms(i, n, a)[1])
    mus = []
    with torch.no_grad():
        from engine.commentary.batching import batches
        for ids, lengths, attrs in batches(test, 256, shuffle=False):
            mus.append(model.encode(ids, lengths, attrs)[0])
    mu = torch.cat(mus).numpy()
    active = int((mu.var(axis=0) > 0.01).sum())
    check_cancelled(cancelled)
    progress(0.1, f"importance-weighted perplexity ({iw_samples} samples)")
    iw = -_per_sentence(model, test, lambda i, n, a: model.importance_log_likelihood(
        i, n, a, iw_samples))
    progress(0.2, "Kneser-Ney 3-gram")
    discounts = {}
    for d in (0.6, 0.75, 0.9):
        kn = KneserNey3(train.ids, len(vocab.words), d)
        discounts[d] = sum(kn.sentence_nll(x) for x in sel.ids)
    kn = KneserNey3(train.ids, len(vocab.words), min(discounts, key=discounts.get))
    ngram = np.array([kn.sentence_nll(x) for x in test.ids])
    check_cancelled(cancelled)
    epochs = int(cvae_metrics.get("epochs_run", 10))
    torch.manual_seed(1)
    c = model.config
    lm = TagLM(LMConfig(c.vocab_size, c.n_cond, c.embed, c.hidden, c.tag_dim))
    lm_fit = fit_sentences(lm, train, sel, epochs, math.inf, 64, 1, 1,
                           _scaled(progress, 0.25, 0.75), cancelled, "LM baseline")
    lm_nll = _per_sentence(lm, test, lambda i, n, a: lm.nll(i, a))
    progress(0.75, "topics and the LC-GAN")
    com = Commentator(folder)  # the topics and the GAN are read only now (the CVAE file again)
    if _digest(folder / CVAE_FILE) != digest:
        raise UserFacingError(f"{folder / CVAE_FILE}: changed during the evaluation")
    gan = _gan_figures(com, test, topic_samples)
    check_cancelled(cancelled)
    progress(0.82, "tag recovery")
    from engine.commentary.evaluate_paragraphs import evaluate_paragraphs, fit_judge

    judge, grid = fit_judge(split, vocab)
    tags = _tag_recovery(com, split, vocab, judge, grid)
    progress(0.86, "written paragraphs")
    para = evaluate_paragraphs(folder, _scaled(progress, 0.86, 1.0), cancelled, csv_path,
                               com=com, judge=judge)
    gan["distinct_2"].update(para.pop("distinct_2"))
    tags.update(para.pop("tag_recovery"))
    ppl = lambda v, w: _ppl(v, w)  # noqa: E731
    return {
        "perplexity": {"elbo": round(_ppl(both, tokens), 3), "iw": round(_ppl(iw, tokens), 3),
                       "lm": round(_ppl(lm_nll, tokens), 3), "ngram3": round(_ppl(ngram, tokens), 3)},
        "perplexity_ci95": {"elbo": _bootstrap(both, tokens, ppl), "iw": _bootstrap(iw, tokens, ppl),
                            "lm": _bootstrap(lm_nll, tokens, ppl),
                            "ngram3": _bootstrap(ngram, tokens, ppl)},
        "kl": round(float(kl.mean()), 3), "iw_samples": iw_samples,
        "topic_samples": topic_samples, "active_units": active,
        "latent_dim": c.latent,
        **gan, "tag_recovery": tags, **para,
        "test": {"captions": len(split["test"]), "sentences": len(test.ids),
                 "tokens": int(tokens.sum()),
                 "unk_rate": round(sum(x.count(3) for x in test.ids) / tokens.sum(), 4)},
        "baselines": {"lm_epochs": lm_fit["epochs_run"], "lm_best_epoch": lm_fit["best_epoch"],
                      "cvae_epochs": epochs, "ngram3_discount": min(discounts, key=discounts.get)},
        "minutes": round((time.monotonic() - started) / 60, 2),
    }


def _gan_figures(com: Any, test: corpus.Encoded, samples: int) -> dict[str, Any]:
    import torch

    rng = torch.Generator().manual_seed(7)
    z = torch.randn(samples, com.latent, generator=rng)
    attrs = torch.from_numpy(test.condition(np.arange(samples) % len(test.ids)))
    out: dict[str, list[list[str]]] = {"vae": [], "gan": []}
    shifts, norms = [], []
    for start in range(0, samples, 500):
        zb, ab = z[start:start + 500], attrs[start:start + 500]
        vae, gan, z_new = com.decode(zb, ab, 0.0)
        out["vae"] += [corpus.tokenise(t) for t in vae]
        out["gan"] += [corpus.tokenise(t) for t in gan]
        shifts.append((z_new - zb).norm(dim=-1))
        norms.append(z_new.norm(dim=-1))
    probs = {k: com.topics.target_probability(v) for k, v in out.items()}
    shift, norm = torch.cat(shifts), torch.cat(norms)
    mean = lambda v, w: float(v.mean())  # noqa: E731
    share = lambda v, w: float((v > 0.5).mean())  # noqa: E731
    return {
        "target_topic": com.target_words(10),
        "target_topic_prob": {k: round(float(p.mean()), 4) for k, p in probs.items()},
        "target_topic_prob_ci95": {k: _bootstrap(p, None, mean) for k, p in probs.items()},
        "target_topic_lift": round(float(probs["gan"].mean() / max(1e-9, probs["vae"].mean())), 3),
        "topic_share_over_half": {k: round(share(p, None), 4) for k, p in probs.items()},
        "mean_z_shift_ratio": round(float(shift.mean() / z.norm(dim=-1).mean()), 4),
        "z_norm_ratio": round(float(norm.mean() / math.sqrt(com.latent)), 4),
        "distinct_2": {k: round(distinct_2(v), 4) for k, v in out.items()},
        "repeated_trigram_rate": {k: round(repeated_trigram_rate(v), 4) for k, v in out.items()},
    }


def _tag_recovery(com: Any, split: dict[str, list[corpus.Caption]], vocab: corpus.Vocab,
                  tagger: Any, grid: dict[float, float]) -> dict[str, Any]:
    """Round 1's figure: four greedy single sentences per test tag set, joined, judged."""
    import torch

    from engine.commentary.evaluate_paragraphs import truth as judge_truth

    test = [c for c in split["test"] if judge_truth(vocab, [c]).any()]
    y = judge_truth(vocab, test)
    k = SENTENCES_PER_CAPTION
    z = torch.randn(len(test) * k, com.latent, generator=torch.Generator().manual_seed(11))
    attrs = torch.from_numpy(np.repeat(np.stack([vocab.attributes(c.tags) for c in test]), k,
                                       axis=0))
    vae_texts, gan_texts = [], []
    for start in range(0, len(z), 500):
        vae, gan, _ = com.decode(z[start:start + 500], attrs[start:start + 500], 0.0)
        vae_texts += vae
        gan_texts += gan
    join = lambda texts: [" ".join(texts[i * k:(i + 1) * k]) for i in range(len(test))]  # noqa: E731
    generated, generated_vae = join(gan_texts), join(vae_texts)
    shuffled = y[np.random.default_rng(3).permutation(len(y))]
    rows = np.arange(len(test))
    per_item = _per_item_lrap(tagger.scores(generated), y)
    return {"score": round(tagger.lrap(generated, y), 4),
            "chance": round(tagger.lrap(generated, shuffled), 4),
            "real": round(tagger.lrap([c.text for c in test], y), 4),
            "score_vae": round(tagger.lrap(generated_vae, y), 4),
            "score_ci95": _bootstrap(per_item, None, lambda v, w: float(v.mean())),
            "items": int(len(rows)), "sentences_per_caption": k, "tagger_c": tagger.c,
            "selection_lrap": {str(c): round(s, 4) for c, s in grid.items()}}


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _per_item_lrap(scores: np.ndarray, truth: np.ndarray) -> np.ndarray:
    from sklearn.metrics import label_ranking_average_precision_score

    return np.array([label_ranking_average_precision_score(truth[i:i + 1], scores[i:i + 1])
                     for i in range(len(truth))])


def _scaled(progress: ProgressFn, start: float, end: float) -> ProgressFn:
    from engine.jobs import scaled_progress

    return scaled_progress(progress, start, end)
