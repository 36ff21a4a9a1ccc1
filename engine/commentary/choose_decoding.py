"""`segue comment train --only decoding`: choose the writer's sampling settings on the selection split.

Each candidate setting (temperature, top-p, focus-word boost; four candidates per sentence)
writes one paragraph for each of a third of the selection captions (the same latents for every
setting). A setting qualifies when its distinct-2 is at least 0.85 × the real captions', its
copy and contradiction rates are at most theirs and its tag mention is at least the real
captions' (and 0.6): it mentions as many of its tags as the people who wrote the captions did.
Among those the *weakest* focus boost wins (the text closest to the model's own), then the
higher distinct-2; if none qualifies, the highest tag mention. The choice is stored in
``cvae.pt``'s extras (``decoding``), which the Commentator reads as its default; the test split
is never read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from engine.commentary import corpus
from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress

GRID = ((0.9, 0.9, 2.0), (1.0, 0.9, 2.0), (0.9, 0.95, 2.0), (0.9, 0.9, 3.0), (1.0, 0.95, 3.0))
MIN_DISTINCT_SHARE = 0.85


def choose_decoding(out: str | Path | None = None, progress: ProgressFn = no_progress,
                    cancelled: CancelledFn = never_cancelled,
                    log: Callable[[str], None] = lambda s: None,
                    csv_path: str | Path | None = None, grid: tuple = GRID,
                    limit: int | None = None) -> dict[str, Any]:
    """Score each setting of ``grid`` on selection captions; store and return the choice."""
    from engine.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
    from engine.commentary import cvae
    from engine.commentary.evaluate_paragraphs import figures, paragraph_tags, write_paragraphs
    from engine.commentary.service import Commentator
    from engine.commentary.train import CVAE_FILE, bundled_dir
    from engine.commentary.words import sentence_hash

    folder = Path(out) if out is not None else bundled_dir()
    com = Commentator(folder)
    split = corpus.split_captions(corpus.load_captions(csv_path), com.split_seed)
    captions = split["selection"][:limit or len(split["selection"]) // 3]
    training = {sentence_hash(s) for c in split["train"] for s in corpus.sentences(c.text)}
    tag_lists = paragraph_tags(com, captions)
    scores = []
    for k, (temperature, top_p, boost) in enumerate(grid):
        setting = replace(com.defaults, temperature=temperature, top_p=top_p, focus_boost=boost)
        written = write_paragraphs(com, tag_lists, setting, 5, cancelled=cancelled)
        found = figures(com, captions, tag_lists, written, training)
        row = {"decoding": asdict(setting),
               **{key: found[key] for key in ("distinct_2", "copy_rate", "tag_mention",
                                              "contradiction")},
               "target_topic_lift_paragraphs": found["target_topic_lift_paragraphs"]}
        scores.append(row)
        log(f"decoding {row}")
        progress((k + 1) / len(grid), f"T {temperature} top-p {top_p} boost {boost}")

    def qualifies(row: dict[str, Any]) -> bool:
        """Varied, uncopied, consistent and as tag-faithful as the real captions."""
        return (row["distinct_2"]["generated"] >= MIN_DISTINCT_SHARE * row["distinct_2"]["real"]
                and row["copy_rate"]["generated"] <= row["copy_rate"]["real"]
                and row["contradiction"]["generated"] <= row["contradiction"]["real"]
                and row["tag_mention"]["generated"] >= max(0.6, row["tag_mention"]["real"]))

    pool = [r for r in scores if qualifies(r)]
    if pool:
        best = min(pool, key=lambda r: (r["decoding"]["focus_boost"], -r["distinct_2"]["generated"]))
    else:
        best = max(scores, key=lambda r: (r["tag_mention"]["generated"],
                                          r["distinct_2"]["generated"]))
    path = folder / CVAE_FILE
    ckpt = load_checkpoint(path, cvae.KIND, cvae.FORMAT_VERSION)
    extra = dict(ckpt.extra, decoding=best["decoding"],
                 decoding_selection={"captions": len(captions), "grid": scores})
    save_checkpoint(path, Checkpoint(ckpt.kind, ckpt.format_version, ckpt.config,
                                     ckpt.state_dict, ckpt.metrics, extra))
    return {"chosen": best["decoding"], "qualified": bool(pool), "captions": len(captions),
            "grid": scores}
