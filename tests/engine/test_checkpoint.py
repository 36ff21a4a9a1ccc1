"""Checkpoints round-trip, load weights-only, and refuse corrupt, foreign or outdated files."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest
import torch

from engine.checkpoint import (
    Checkpoint,
    CheckpointError,
    config_from_dict,
    config_to_dict,
    load_checkpoint,
    save_checkpoint,
)


@dataclasses.dataclass
class TinyConfig:
    hidden: int = 4
    layers: int = 1


def make(tmp_path: Path) -> Path:
    model = torch.nn.Linear(3, 2)
    path = tmp_path / "tiny.pt"
    save_checkpoint(path, Checkpoint("tiny", 2, config_to_dict(TinyConfig(hidden=7)),
                                     model.state_dict(), {"loss": 0.5}))
    return path


def test_round_trip(tmp_path: Path):
    path = make(tmp_path)
    loaded = load_checkpoint(path, "tiny", 2)
    assert config_from_dict(TinyConfig, {**loaded.config, "gone": 1}) == TinyConfig(hidden=7)
    assert loaded.metrics == {"loss": 0.5}
    assert set(loaded.state_dict) == {"weight", "bias"}
    assert loaded.state_dict["weight"].shape == (2, 3)


def test_truncated_file_is_refused_with_its_name(tmp_path: Path):
    path = make(tmp_path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="tiny.pt"):
        load_checkpoint(path, "tiny", 2)


@pytest.mark.parametrize("content", [b"hello\n", b"", bytes(range(256)) * 4, b"PK\x03\x04junk"])
def test_any_other_bytes_are_refused_with_the_file_name(tmp_path: Path, content: bytes):
    path = tmp_path / "not a model.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="not a model.pt: not a readable Segue model file"):
        load_checkpoint(path, "tiny", 2)


def test_wrong_version_and_kind_are_named(tmp_path: Path):
    path = make(tmp_path)
    with pytest.raises(CheckpointError, match="version 2.*version 3"):
        load_checkpoint(path, "tiny", 3)
    with pytest.raises(CheckpointError, match="'tiny' model, expected 'dshl'"):
        load_checkpoint(path, "dshl", 2)


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_arbitrary_pickles_are_never_loaded(tmp_path: Path):
    path = tmp_path / "evil.pt"
    torch.save({"segue_kind": "tiny", "format_version": 2, "payload": Evil()}, path)
    with pytest.raises(CheckpointError, match="evil.pt"):
        load_checkpoint(path, "tiny", 2)
    path.write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(CheckpointError):
        load_checkpoint(path, "tiny", 2)


def test_missing_file(tmp_path: Path):
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "none.pt", "tiny", 2)
