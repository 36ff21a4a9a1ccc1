"""The written-paragraph figures of `segue eval commentary` (also `--only paragraphs`).

One paragraph pair (VAE | GAN, same z) is written for each test caption, conditioned on that
caption's aspect tags *as the panel would understand them* (:meth:`Lexicon.understand`), and
compared with the real caption over the same number of paragraphs:

- ``distinct_2``: unique / all within-sentence bigrams, at a matched count (the first N bigrams
  of each side, N the smaller total);
- ``copy_rate``: share of sentences found verbatim (words, punctuation ignored) in the training
  captions;
- ``tag_mention``: share of a paragraph's conditioning tags it mentions (spelling variants
  count, generic words such as "music" optional: :meth:`Lexicon.mentions`);
- ``contradiction``: share of paragraphs that, with their tags, assert both sides of an
  opposition (:mod:`aspects`);
- ``tag_recovery`` per paragraph: the judge (:mod:`tagger`, the 100 most frequent tags) ranks
  the caption's own tags from the text (LRAP);
- the GAN on the paragraphs' sentences: target-topic lift, ``gan_top_sentence_share`` (the most
  frequent GAN sentence's share), ``gan_equals_vae`` (share of sentence pairs left unchanged);
- ``tag_coverage``: share of ``assets/data/commentary/common-tags.txt`` (200 genre, instrument
  and mood tags of the tagger's MTT and MSD vocabularies and MusicCaps) understood;
- ``speed``: five paragraph pairs for typed tags on one thread.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from engine import paths
from engine.commentary import aspects, corpus
from engine.commentary.words import sentence_hash
from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress

JUDGE_TAGS = 100       # the tag-recovery judge ranks the most frequent conditioning tags
BATCH = 24             # paragraphs written per call
SPEED_TAGS = ["rock", "energetic", "electric guitar"]


def common_tags_file() -> Path:
    """The bundled list of 200 common tags (``source<TAB>tag`` lines, ``#`` comments)."""
    return paths.assets_dir() / "data" / "commentary" / "common-tags.txt"


def read_common_tags(path: str | Path | None = None) -> list[tuple[str, str]]:
    """``(source, tag)`` pairs of the common-tag list."""
    rows = []
    for line in Path(path or common_tags_file()).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            source, _, tag = line.partition("\t")
            rows.append((source.strip(), tag.strip()))
    return rows


def tag_coverage(lexicon: Any, rows: list[tuple[str, str]]) -> dict[str, Any]:
    """Share of common tags understood, overall and per source, and those that are not."""
    missed = [(s, t) for s, t in rows if not lexicon.understand(t).understood]
    by_source: dict[str, list[int]] = {}
    for source, tag in rows:
        by_source.setdefault(source, [0, 0])[1] += 1
        by_source[source][0] += (source, tag) not in missed
    return {"share": round(1 - len(missed) / max(1, len(rows)), 4), "tags": len(rows),
            "by_source": {s: round(a / b, 4) for s, (a, b) in by_source.items()},
            "not_understood": [t for _, t in missed]}


def distinct_2_matched(a: list[list[str]], b: list[list[str]]) -> tuple[float, float, int]:
    """Distinct-2 of two sets of sentences over the same number of bigrams (the smaller total)."""
    grams = [[tuple(s[i:i + 2]) for s in side for i in range(len(s) - 1)] for side in (a, b)]
    n = min(len(grams[0]), len(grams[1]))
    return (len(set(grams[0][:n])) / max(1, n), len(set(grams[1][:n])) / max(1, n), n)


def paragraph_tags(com: Any, captions: list[corpus.Caption]) -> list[list[int]]:
    """Conditioning indices per caption: its aspect tags understood as typed tags."""
    out = []
    for caption in captions:
        known, _ = com.understand(caption.tags)
        out.append([com.vocab.tag_index[t] for t in known])
    return out


def write_paragraphs(com: Any, tag_lists: list[list[int]], decoding: Any, seed: int,
                     progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled
                     ) -> list[Any]:
    """One :class:`paragraph.Written` per tag list, from seeded prior latents."""
    import torch

    z = torch.randn(len(tag_lists), com.latent, generator=torch.Generator().manual_seed(seed))
    out = []
    for start in range(0, len(tag_lists), BATCH):
        check_cancelled(cancelled)
        progress(start / max(1, len(tag_lists)), f"writing paragraphs {start}/{len(tag_lists)}")
        out += com.writer.write(z[start:start + BATCH], tag_lists[start:start + BATCH], decoding,
                                seed + start)
    return out


def figures(com: Any, captions: list[corpus.Caption], tag_lists: list[list[int]],
            written: list[Any], training: set[int]) -> dict[str, Any]:
    """Every paragraph figure except tag recovery (see the module docstring)."""
    columns = {"generated": [w.gan for w in written], "generated_vae": [w.vae for w in written],
               "real": [[corpus.detokenise(s) for s in corpus.sentences(c.text)] for c in captions]}
    tokens = {k: [[corpus.tokenise(s) for s in para] for para in v] for k, v in columns.items()}
    flat = {k: [s for para in v for s in para] for k, v in tokens.items()}
    gen, real, n = distinct_2_matched(flat["generated"], flat["real"])
    vae, _, _ = distinct_2_matched(flat["generated_vae"], flat["real"])
    names = [[com.vocab.tags[t] for t in tags] for tags in tag_lists]
    out: dict[str, Any] = {
        "distinct_2": {"generated": round(gen, 4), "generated_vae": round(vae, 4),
                       "real": round(real, 4), "bigrams": n},
        "copy_rate": {k: round(float(np.mean([sentence_hash(s) in training for s in v])), 4)
                      for k, v in flat.items()},
        "tag_mention": {}, "contradiction": {},
        "sentences_per_paragraph": {k: round(len(v) / max(1, len(captions)), 2)
                                    for k, v in flat.items()},
    }
    for key, paragraphs in tokens.items():
        shares = [len(com.lexicon.mentioned([t for s in para for t in s], tags)) / len(tags)
                  for para, tags in zip(paragraphs, tag_lists, strict=True) if tags]
        out["tag_mention"][key] = round(float(np.mean(shares)), 4) if shares else 0.0
        out["contradiction"][key] = round(float(np.mean([
            aspects.contradicts(" ".join(" ".join(s) for s in para), tags)
            for para, tags in zip(paragraphs, names, strict=True)])), 4)
    pairs = [(v, g) for w in written for v, g in zip(w.vae, w.gan, strict=True)]
    probs = {k: com.topics.target_probability([corpus.tokenise(p[i]) for p in pairs])
             for i, k in enumerate(("vae", "gan"))}
    top = Counter(g for _, g in pairs).most_common(1)
    out.update({
        "target_topic_prob_paragraphs": {k: round(float(p.mean()), 4) for k, p in probs.items()},
        "target_topic_lift_paragraphs": round(float(probs["gan"].mean()
                                                    / max(1e-9, probs["vae"].mean())), 3),
        "gan_top_sentence_share": round(top[0][1] / max(1, len(pairs)), 4) if top else 0.0,
        "gan_top_sentence": top[0][0] if top else "",
        "gan_equals_vae": round(sum(v == g for v, g in pairs) / max(1, len(pairs)), 4),
        "gan_equals_vae_paragraphs": round(float(np.mean([w.vae == w.gan for w in written])), 4),
    })
    return out


def fit_judge(split: dict[str, list[corpus.Caption]], vocab: corpus.Vocab) -> tuple[Any, Any]:
    """The tag-recovery judge on training captions (C chosen on selection) and its grid."""
    from engine.commentary.tagger import fit_tagger

    keep = [c for c in split["train"] if truth(vocab, [c]).any()]
    sel = [c for c in split["selection"] if truth(vocab, [c]).any()]
    return fit_tagger([c.text for c in keep], truth(vocab, keep), [c.text for c in sel],
                      truth(vocab, sel))


def truth(vocab: corpus.Vocab, captions: list[corpus.Caption]) -> np.ndarray:
    """Multi-hot of each caption's own tags among the judge's tags."""
    return np.stack([vocab.attributes(c.tags)[:JUDGE_TAGS] for c in captions])


def recovery(judge: Any, captions: list[corpus.Caption], written: list[Any],
             vocab: corpus.Vocab) -> dict[str, float]:
    """Per-paragraph LRAP of generated (GAN, VAE) and real texts against the captions' tags."""
    rows = [i for i, c in enumerate(captions) if truth(vocab, [c]).any()]
    y = truth(vocab, [captions[i] for i in rows])
    gan = [" ".join(written[i].gan) for i in rows]
    vae = [" ".join(written[i].vae) for i in rows]
    shuffled = y[np.random.default_rng(3).permutation(len(y))]
    return {"paragraph": round(judge.lrap(gan, y), 4), "paragraph_vae": round(judge.lrap(vae, y), 4),
            "paragraph_real": round(judge.lrap([captions[i].text for i in rows], y), 4),
            "paragraph_chance": round(judge.lrap(gan, shuffled), 4), "paragraphs": len(rows)}


def speed(com: Any, repeats: int = 3) -> dict[str, Any]:
    """Median seconds (wall and CPU) for five paragraph pairs of typed tags."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        com.sample(SPEED_TAGS, 5, seed=0)
        wall, cpu = [], []
        for seed in range(1, repeats + 1):
            start, start_cpu = time.perf_counter(), time.process_time()
            com.sample(SPEED_TAGS, 5, seed=seed)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    finally:
        torch.set_num_threads(threads)
    return {"five_pairs_s": round(statistics.median(wall), 3),
            "five_pairs_cpu_s": round(statistics.median(cpu), 3), "threads": 1}


def evaluate_paragraphs(models: str | Path | None = None, progress: ProgressFn = no_progress,
                        cancelled: CancelledFn = never_cancelled,
                        csv_path: str | Path | None = None, split_name: str = "test",
                        seed: int = 21, com: Any = None, judge: Any = None) -> dict[str, Any]:
    """Every paragraph figure on ``split_name`` (the test split, read once) as a dict."""
    from dataclasses import asdict

    from engine.commentary.service import Commentator

    started = time.monotonic()
    com = com or Commentator(models)
    split = corpus.split_captions(corpus.load_captions(csv_path), com.split_seed)
    captions = split[split_name]
    training = {sentence_hash(s) for c in split["train"] for s in corpus.sentences(c.text)}
    tag_lists = paragraph_tags(com, captions)
    decoding = com.decoding()
    written = write_paragraphs(com, tag_lists, decoding, seed,
                               lambda f, m: progress(0.7 * f, m), cancelled)
    out = figures(com, captions, tag_lists, written, training)
    progress(0.75, "tag recovery judge")
    if judge is None:
        judge, _ = fit_judge(split, com.vocab)
    out["tag_recovery"] = recovery(judge, captions, written, com.vocab)
    out["tag_coverage"] = tag_coverage(com.lexicon, read_common_tags())
    progress(0.95, "speed")
    out["speed"] = speed(com)
    out["paragraphs"] = {"count": len(captions), "split": split_name, "seed": seed,
                         "decoding": asdict(decoding),
                         "tags_per_paragraph": round(float(np.mean([len(t) for t in tag_lists])), 2),
                         "minutes": round((time.monotonic() - started) / 60, 2)}
    return out
