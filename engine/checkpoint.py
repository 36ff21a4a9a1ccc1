"""Model checkpoints: config, weights, metrics and a format version in one file, loaded weights-only.

Every Segue model saves through :func:`save_checkpoint` (atomic) and loads through
:func:`load_checkpoint`, which never unpickles arbitrary objects (``torch.load(weights_only=True)``)
and names the file and the problem when it refuses one.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

from engine.atomic import atomic_write_bytes


class CheckpointError(Exception):
    """A model file that is missing, corrupt, truncated, of another kind or of another version."""


@dataclasses.dataclass
class Checkpoint:
    """What a checkpoint file holds. ``config`` and ``metrics`` are plain JSON-like dicts."""

    kind: str
    format_version: int
    config: dict[str, Any]
    state_dict: dict[str, Any]
    metrics: dict[str, Any]
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def save_checkpoint(path: str | Path, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically (temp file, fsync, rename)."""
    import torch

    payload = {
        "segue_kind": checkpoint.kind,
        "format_version": checkpoint.format_version,
        "config": checkpoint.config,
        "state_dict": {k: v.detach().cpu() for k, v in checkpoint.state_dict.items()},
        "metrics": checkpoint.metrics,
        "extra": checkpoint.extra,
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_checkpoint(path: str | Path, kind: str, format_version: int) -> Checkpoint:
    """Load a checkpoint of ``kind`` written with ``format_version``; raise CheckpointError if not."""

    import torch

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: model file not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any bytes may arrive: torch's reader raises KeyError,
        # IndexError, UnpicklingError, struct.error … on garbage; every one means "not readable"
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(
            f"{path}: not a readable Segue model file (corrupt, truncated or unsafe): {first_line}"
        ) from exc
    if not isinstance(payload, dict) or "segue_kind" not in payload:
        raise CheckpointError(f"{path}: not a Segue model file")
    if payload["segue_kind"] != kind:
        raise CheckpointError(f"{path}: holds a '{payload['segue_kind']}' model, expected '{kind}'")
    found = payload.get("format_version")
    if found != format_version:
        raise CheckpointError(
            f"{path}: model format version {found}, this Segue reads version {format_version}"
        )
    return Checkpoint(
        kind=kind,
        format_version=found,
        config=dict(payload.get("config", {})),
        state_dict=dict(payload["state_dict"]),
        metrics=dict(payload.get("metrics", {})),
        extra=dict(payload.get("extra", {})),
    )


def config_to_dict(config: Any) -> dict[str, Any]:
    """Turn a config dataclass into the plain dict stored in a checkpoint."""
    return dataclasses.asdict(config)


def config_from_dict(cls: type, values: dict[str, Any]) -> Any:
    """Rebuild a config dataclass, ignoring keys it no longer has (older files stay loadable)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})
