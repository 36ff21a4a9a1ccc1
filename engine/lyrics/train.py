"""Training a character LSTM: truncated BPTT, clipping, early stopping, atomic checkpoints, resume.

:func:`train_model` trains (or fine-tunes) a :class:`CharLSTM` on a training stream, evaluates
validation nats per character after every epoch, keeps the best weights, halves the learning rate
and rolls back to the best weights when validation stops improving, anneals the learning rate
linearly over the last ``anneal_tail`` of a time budget, and stops early after
``patience`` such plateaus or when the time budget runs out. After every epoch it writes a resume
file (``<model>.resume``) atomically; a later call with the same settings picks up from there.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from engine.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.logsetup import get_logger
from engine.lyrics.model import ArtistModel, CharLSTM, save_artist
from engine.lyrics.vocab import Vocabulary

log = get_logger(__name__)

RESUME_KIND = "lyrics-char-lstm-resume"
RESUME_VERSION = 1


@dataclass
class TrainConfig:
    """How to train: window, batch, learning rate, limits and early stopping."""

    seq_len: int = 128
    batch_size: int = 64
    lr: float = 2e-3
    grad_clip: float = 1.0
    max_epochs: int = 60
    max_minutes: float | None = None
    patience: int = 3
    min_delta: float = 1e-3
    anneal_tail: float = 0.3
    seed: int = 0
    threads: int | None = 1


@dataclass
class EvalStream:
    """Validation ids; the first ``start`` ids are context only (not scored)."""

    ids: torch.Tensor
    start: int = 2


def eval_stream(vocab: Vocabulary, val_text: str) -> EvalStream:
    """Encode a validation stream after a song break (``"\\n\\n"``) used as context."""
    return EvalStream(torch.tensor(vocab.encode("\n\n" + val_text), dtype=torch.long), start=2)


@torch.no_grad()
def char_nlls(model: CharLSTM, stream: EvalStream, chunk: int = 2048) -> torch.Tensor:
    """Negative log-likelihood (nats) of every scored character, read as one continuous sequence."""
    was_training = model.training
    model.eval()
    ids = stream.ids
    parts, state = [], None
    for pos in range(0, len(ids) - 1, chunk):
        x = ids[pos : pos + chunk].unsqueeze(0)
        y = ids[pos + 1 : pos + chunk + 1].unsqueeze(0)
        x = x[:, : y.size(1)]
        logits, _, state = model(x, state=state)
        nll = torch.nn.functional.cross_entropy(logits[0], y[0], reduction="none")
        parts.append(nll[max(0, stream.start - 1 - pos):])
    model.train(was_training)
    return torch.cat(parts) if parts else torch.zeros(0)


def evaluate_nats(model: CharLSTM, stream: EvalStream, chunk: int = 2048) -> float:
    """Mean negative log-likelihood (nats/char) of the stream, read as one continuous sequence."""
    nll = char_nlls(model, stream, chunk)
    return float(nll.sum()) / max(len(nll), 1)


def _batches(data: torch.Tensor, batch: int, seq_len: int, offset: int) -> tuple[torch.Tensor, int]:
    """Cut ``data`` (after ``offset``) into ``batch`` parallel streams; return them and the batch."""
    data = data[offset:]
    batch = max(1, min(batch, (len(data) - 1) // (seq_len + 1)))
    length = (len(data) - 1) // batch
    return data[: batch * length + 1], batch


def resume_path(path: Path) -> Path:
    """Where the resume state of a model being trained into ``path`` lives."""
    return path.with_name(path.name + ".resume")


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = set(a) - {"max_minutes", "max_epochs", "threads"}
    return all(a.get(k) == b.get(k) for k in keys)


def train_model(
    model: CharLSTM,
    vocab: Vocabulary,
    train_text: str,
    val_text: str,
    path: str | Path,
    name: str,
    config: TrainConfig | None = None,
    extra: dict[str, Any] | None = None,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
    resume: bool = True,
) -> ArtistModel:
    """Train ``model`` and save the best weights to ``path``; return the trained artist.

    Cancelling keeps the resume file, so calling again with ``resume=True`` continues.
    """
    config = config or TrainConfig()
    path = Path(path)
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = torch.Generator().manual_seed(config.seed)
    train_ids = torch.tensor(vocab.encode(train_text), dtype=torch.long)
    stream = eval_stream(vocab, val_text)
    if len(train_ids) < 2 * 8:
        raise ValueError(f"{name}: the training text is too short ({len(train_ids)} characters)")
    seq_len = max(8, min(config.seq_len, len(train_ids) // 4))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    best_state = copy.deepcopy(model.state_dict())
    best_val = evaluate_nats(model, stream)
    state = {"epoch": 0, "bad": 0, "lr": config.lr, "elapsed": 0.0, "history": [], "best": best_val}
    rpath = resume_path(path)
    if resume and rpath.exists():
        try:
            ck = load_checkpoint(rpath, RESUME_KIND, RESUME_VERSION)
            if ck.extra.get("vocab") == vocab.to_string() and _same(ck.extra["train_config"], asdict(config)):
                model.load_state_dict(ck.state_dict)
                best_state = dict(ck.extra["best_state"])
                optimizer.load_state_dict(ck.extra["optimizer"])
                state = dict(ck.metrics)
                best_val = float(state["best"])
                log.info("%s: resuming at epoch %d (best %.4f)", name, state["epoch"], best_val)
        except (CheckpointError, KeyError, RuntimeError, ValueError) as exc:
            log.warning("%s: ignoring resume file: %s", name, exc)
    budget = config.max_minutes * 60 if config.max_minutes else math.inf
    started = time.monotonic() - float(state["elapsed"])
    steps_per_epoch = max(1, (len(train_ids) - 1) // (config.batch_size * seq_len))
    stop_reason = "max epochs"
    model.train()
    while state["epoch"] < config.max_epochs:
        offset = int(torch.randint(0, seq_len, (1,), generator=rng)) if len(train_ids) > 4 * seq_len else 0
        data, batch = _batches(train_ids, config.batch_size, seq_len, offset)
        streams_x = data[:-1].view(batch, -1)
        streams_y = data[1:].view(batch, -1)
        hidden = None
        for step, t in enumerate(range(0, streams_x.size(1), seq_len)):
            check_cancelled(cancelled)
            x, y = streams_x[:, t : t + seq_len], streams_y[:, t : t + seq_len]
            _, loss, hidden = model(x, y, hidden)
            hidden = (hidden[0].detach(), hidden[1].detach())
            for group in optimizer.param_groups:
                group["lr"] = state["lr"] * _anneal(time.monotonic() - started, budget, config.anneal_tail)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            elapsed = time.monotonic() - started
            done = (state["epoch"] + min(1.0, (step + 1) / steps_per_epoch)) / config.max_epochs
            frac = max(done, elapsed / budget if budget < math.inf else 0.0)
            if step % 10 == 0:
                left = (budget - elapsed) if budget < math.inf else elapsed * (1 - done) / max(done, 1e-6)
                progress(min(frac, 0.99), f"{name}: epoch {state['epoch'] + 1}, loss {loss.item():.3f}, "
                         f"best {best_val:.3f} nats/char, about {_fmt(left)} left")
            if elapsed > budget:
                break
        state["epoch"] += 1
        val = evaluate_nats(model, stream)
        elapsed = time.monotonic() - started
        state["history"].append([state["epoch"], round(val, 5), round(elapsed, 1)])
        log.info("%s: epoch %d val %.4f (best %.4f) lr %.2g %.0fs", name, state["epoch"], val, best_val,
                 state["lr"], elapsed)
        improved = val < best_val - config.min_delta
        if val < best_val:  # keep any better weights, even when the gain is too small to go on
            best_val = val
            best_state = copy.deepcopy(model.state_dict())
        if improved:
            state["bad"] = 0
        else:
            state["bad"] += 1
            model.load_state_dict(best_state)
            state["lr"] *= 0.5
        state["best"], state["elapsed"] = best_val, elapsed
        _save_resume(rpath, model, best_state, optimizer, state, vocab, config, name)
        if state["bad"] > config.patience:
            stop_reason = "early stopping"
            break
        if elapsed > budget:
            stop_reason = "time budget"
            break
    model.load_state_dict(best_state)
    model.eval()
    metrics = {
        "val_nats_per_char": round(best_val, 5),
        "train_chars": len(train_ids),
        "val_chars": len(stream.ids) - stream.start,
        "epochs": state["epoch"],
        "minutes": round(state["elapsed"] / 60, 2),
        "stopped": stop_reason,
        "history": state["history"],
        "parameters": model.num_parameters(),
    }
    words = frozenset(str((extra or {}).get("words", "")).split())
    artist = ArtistModel(name=name, model=model, vocab=vocab, metrics=metrics, path=path, words=words)
    save_artist(path, artist, extra=extra)
    rpath.unlink(missing_ok=True)
    progress(1.0, f"{name}: done, {best_val:.3f} nats/char ({stop_reason})")
    return artist


def _save_resume(
    rpath: Path,
    model: CharLSTM,
    best_state: dict[str, Any],
    optimizer: torch.optim.Optimizer,
    state: dict[str, Any],
    vocab: Vocabulary,
    config: TrainConfig,
    name: str,
) -> None:
    """Write the resume file atomically (current and best weights, optimizer, counters)."""
    from engine.checkpoint import config_to_dict

    save_checkpoint(
        rpath,
        Checkpoint(
            kind=RESUME_KIND,
            format_version=RESUME_VERSION,
            config=config_to_dict(model.config),
            state_dict=model.state_dict(),
            metrics=state,
            extra={
                "best_state": best_state,
                "optimizer": optimizer.state_dict(),
                "train_config": asdict(config),
                "vocab": vocab.to_string(),
                "name": name,
            },
        ),
    )


def _anneal(elapsed: float, budget: float, tail: float) -> float:
    """Learning-rate factor: 1, then a linear decay to 5% over the last ``tail`` of a time budget."""
    if not math.isfinite(budget) or tail <= 0:
        return 1.0
    left = 1.0 - elapsed / budget
    return 1.0 if left >= tail else max(0.05, left / tail)


def _fmt(seconds: float) -> str:
    """Format a duration for progress messages."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
