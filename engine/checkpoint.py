"""Model checkpoints: config, weights, metrics and a format version in one file, loaded weights-only.

Every Segue model saves through :func:`save_checkpoint` (atomic) and loads through
:func:`load_checkpoint`, which never unpickles arbitrary objects (``torch.load(weights_only=True)``)
and names the file and the problem when it refuses one.

Before torch reads a file, :func:`check_model_file` bounds what reading it can cost: the file's
size, and the sizes its zip members declare once unpacked (a 1 MB deflate bomb would otherwise
inflate to gigabytes). :func:`load_checkpoint_header` reads kind, config, metrics and extras
without reading any weights (tensors come back on the ``meta`` device, which holds no data), so
listing models costs kilobytes whatever their size.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.atomic import atomic_write_bytes

MB = 1024 * 1024
MAX_MODEL_BYTES = 256 * MB  # file size, and the unpacked size of all its members (models are ~2 MB)
MAX_PICKLE_BYTES = 16 * MB  # the pickled part (config, metrics, extras: ~0.1 MB); it may grow ~30x
#                             as Python objects, so it is bounded on its own
MAX_MEMBERS = 10_000  # zip members (a model has a few dozen); each costs memory when listed


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


def check_model_file(path: str | Path, max_bytes: int = MAX_MODEL_BYTES) -> None:
    """Raise CheckpointError if reading ``path`` could cost more than ``max_bytes`` of memory.

    Checks the file's size, then (for a zip: every Segue model is one) the unpacked sizes its
    members declare, in total and for the pickled part, before anything is decompressed. torch's
    reader and :mod:`zipfile` never unpack a member beyond its declared size.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if size > max_bytes:
        raise CheckpointError(f"{path}: model file too large ({size / MB:.1f} MB; "
                              f"the limit is {max_bytes // MB} MB)")
    try:
        members = zip_members(path)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        if size > MAX_PICKLE_BYTES:  # not a zip: a bare pickle stream, bounded like one
            raise CheckpointError(f"{path}: not a readable Segue model file (not a zip archive "
                                  f"and {size / MB:.1f} MB)") from None
        return  # small: torch.load says what is wrong with it
    unpacked = sum(member.file_size for member in members)
    if unpacked > max_bytes:
        raise CheckpointError(f"{path}: not a readable Segue model file: it would unpack to "
                              f"{unpacked / MB:.0f} MB (the limit is {max_bytes // MB} MB)")
    pickled = max((m.file_size for m in members if m.filename.rpartition("/")[2] == "data.pkl"),
                  default=0)
    if pickled > MAX_PICKLE_BYTES:
        raise CheckpointError(f"{path}: not a readable Segue model file: its pickled part would "
                              f"unpack to {pickled / MB:.0f} MB (the limit is "
                              f"{MAX_PICKLE_BYTES // MB} MB)")


def zip_members(path: str | Path) -> list[zipfile.ZipInfo]:
    """The members of the zip at ``path`` with their declared unpacked sizes, nothing unpacked.

    Raises ``zipfile.BadZipFile`` for a file that is not a zip or declares more than
    :data:`MAX_MEMBERS` members (counted from its end record, before the member list is read).
    """
    if _zip_entries(Path(path)) > MAX_MEMBERS:
        raise zipfile.BadZipFile(f"more than {MAX_MEMBERS} members")
    with zipfile.ZipFile(path) as archive:
        return archive.infolist()


def _zip_entries(path: Path) -> int:
    """Number of members a zip's end record declares (read before the member list itself)."""
    with open(path, "rb") as handle:
        end = zipfile._EndRecData(handle)  # noqa: SLF001 - the stdlib's own end-record reader
    if not end:
        raise zipfile.BadZipFile("not a zip archive")
    return int(end[zipfile._ECD_ENTRIES_TOTAL])  # noqa: SLF001


def load_checkpoint(path: str | Path, kind: str, format_version: int,
                    max_bytes: int = MAX_MODEL_BYTES) -> Checkpoint:
    """Load a checkpoint of ``kind`` written with ``format_version``; raise CheckpointError if not.

    Files that would cost more than ``max_bytes`` to read are refused first
    (:func:`check_model_file`).
    """
    return _load(Path(path), kind, format_version, max_bytes, weights=True)


def load_checkpoint_header(path: str | Path, kind: str, format_version: int) -> Checkpoint:
    """Read a checkpoint's kind, version, config, metrics and extras, but no weights.

    ``state_dict`` comes back empty. Only the file's small pickled part is read (its weights are
    never decompressed), so listing many models stays cheap; refusals are those of
    :func:`load_checkpoint`.
    """
    return _load(Path(path), kind, format_version, MAX_MODEL_BYTES, weights=False)


def _load(path: Path, kind: str, format_version: int, max_bytes: int, weights: bool
          ) -> Checkpoint:
    """Check the file, unpickle it weights-only (tensors on ``meta`` unless ``weights``) and
    check its kind and version."""
    import torch

    if not path.is_file():
        raise CheckpointError(f"{path}: model file not found")
    check_model_file(path, max_bytes)
    try:
        if not weights and zipfile.is_zipfile(path):
            payload = torch.load(path, map_location="meta", weights_only=True)
        else:  # a bare pickle (older torch format) is small (checked above): read it whole
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
        state_dict=dict(payload["state_dict"]) if weights else {},
        metrics=dict(payload.get("metrics", {})),
        extra=dict(payload.get("extra", {})),
    )


def check_weights(path: str | Path, build: Callable[[], Any], state: dict[str, Any]) -> None:
    """Raise CheckpointError unless the module ``build()`` makes has exactly ``state``'s weights.

    The module is built on the ``meta`` device (no memory), so a file whose config asks for an
    enormous network is refused before the real one is allocated: the weights a file holds are
    bounded by :data:`MAX_MODEL_BYTES`, and a network whose shapes match them is bounded too.
    """
    import torch

    try:
        with torch.device("meta"):
            expected = {k: tuple(v.shape) for k, v in build().state_dict().items()}
    except (RuntimeError, TypeError, ValueError, OverflowError) as exc:
        raise CheckpointError(f"{path}: not a usable model: its config is invalid ({exc})") from exc
    found = {k: tuple(getattr(v, "shape", ())) for k, v in state.items()}
    if expected != found:
        wrong = sorted(expected.keys() ^ found.keys()) or sorted(
            k for k in expected if expected[k] != found[k])
        raise CheckpointError(f"{path}: not a usable model: its weights do not match its config "
                              f"({', '.join(wrong[:3])}{' …' if len(wrong) > 3 else ''})")


def config_to_dict(config: Any) -> dict[str, Any]:
    """Turn a config dataclass into the plain dict stored in a checkpoint."""
    return dataclasses.asdict(config)


def config_from_dict(cls: type, values: dict[str, Any]) -> Any:
    """Rebuild a config dataclass, ignoring keys it no longer has (older files stay loadable)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})
