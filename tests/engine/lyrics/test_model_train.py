"""The character LSTM: training lowers the loss, checkpoints round-trip, sampling is seeded."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.checkpoint import CheckpointError
from engine.jobs import Cancelled
from engine.lyrics.corpus import load_corpus, songs_to_text, split_songs
from engine.lyrics.model import CharLSTM, CharLSTMConfig, load_artist, sample_line, save_artist
from engine.lyrics.train import TrainConfig, eval_stream, evaluate_nats, resume_path, train_model
from engine.lyrics.vocab import shared_vocabulary
from tests.engine.lyrics.helpers import SAMPLE, tiny_artist


def _texts() -> tuple[str, str]:
    train, val = split_songs(load_corpus(SAMPLE).songs)
    return songs_to_text(train), songs_to_text(val)


def _small_model() -> CharLSTM:
    torch.manual_seed(0)
    return CharLSTM(CharLSTMConfig(vocab_size=len(shared_vocabulary()), embed_dim=16,
                                   hidden_size=48, num_layers=2, dropout=0.0))


def test_training_lowers_validation_loss_and_saves(tmp_path: Path) -> None:
    vocab = shared_vocabulary()
    train, val = _texts()
    model = _small_model()
    before = evaluate_nats(model, eval_stream(vocab, val))
    messages: list[str] = []
    artist = train_model(model, vocab, train, val, tmp_path / "x.pt", "X",
                         TrainConfig(seq_len=32, batch_size=8, lr=1e-2, max_epochs=4),
                         progress=lambda f, m: messages.append(m))
    after = artist.metrics["val_nats_per_char"]
    assert after < before - 0.5
    assert artist.metrics["epochs"] == 4 and len(artist.metrics["history"]) == 4
    assert (tmp_path / "x.pt").exists() and not resume_path(tmp_path / "x.pt").exists()
    assert any("epoch" in m for m in messages) and "done" in messages[-1]


def test_checkpoint_round_trip_gives_the_same_outputs(tmp_path: Path) -> None:
    artist = tiny_artist("Round Trip", seed=3)
    save_artist(tmp_path / "a.pt", artist, half=False)
    loaded = load_artist(tmp_path / "a.pt")
    x = torch.tensor([artist.vocab.encode("hello\n")])
    assert loaded.name == "Round Trip" and loaded.vocab == artist.vocab
    assert torch.equal(loaded.model(x)[0], artist.model(x)[0])


def test_half_precision_file_is_smaller_and_close(tmp_path: Path) -> None:
    artist = tiny_artist("Half", seed=4, hidden=64)
    save_artist(tmp_path / "full.pt", artist, half=False)
    save_artist(tmp_path / "half.pt", artist, half=True)
    assert (tmp_path / "half.pt").stat().st_size < 0.6 * (tmp_path / "full.pt").stat().st_size
    x = torch.tensor([artist.vocab.encode("hello\n")])
    with torch.no_grad():
        diff = (load_artist(tmp_path / "half.pt").model(x)[0] - artist.model(x)[0]).abs().max()
    assert float(diff) < 1e-2


def test_corrupt_checkpoint_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.pt"
    save_artist(path, tiny_artist("B"))
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="broken.pt"):
        load_artist(path)


def test_seeded_sampling_is_reproducible_and_stops_at_end_of_line() -> None:
    artist = tiny_artist("S", seed=5)
    lines = [sample_line(artist, "\n\nabc\n", generator=torch.Generator().manual_seed(7))
             for _ in range(2)]
    other = [sample_line(artist, "\n\nabc\n", generator=torch.Generator().manual_seed(s))
             for s in range(8, 12)]
    assert lines[0] == lines[1] and lines[0]
    assert "\n" not in lines[0]
    assert any(o != lines[0] for o in other)


def test_top_k_one_is_greedy() -> None:
    artist = tiny_artist("G", seed=6)
    a = sample_line(artist, "\n\n", top_k=1, generator=torch.Generator().manual_seed(1))
    b = sample_line(artist, "\n\n", top_k=1, generator=torch.Generator().manual_seed(2))
    assert a == b


def test_cancel_keeps_a_resume_file_and_training_resumes(tmp_path: Path) -> None:
    vocab = shared_vocabulary()
    train, val = _texts()
    config = TrainConfig(seq_len=32, batch_size=8, lr=1e-2, max_epochs=3)
    path = tmp_path / "r.pt"
    calls = {"n": 0}

    def cancel_in_second_epoch() -> bool:
        calls["n"] += 1
        return calls["n"] > 20

    with pytest.raises(Cancelled):
        train_model(_small_model(), vocab, train, val, path, "R", config, cancelled=cancel_in_second_epoch)
    assert resume_path(path).exists() and not path.exists()
    artist = train_model(_small_model(), vocab, train, val, path, "R", config)
    history = artist.metrics["history"]
    assert [h[0] for h in history] == [1, 2, 3]
    assert path.exists() and not resume_path(path).exists()


def test_early_stopping_stops_before_max_epochs(tmp_path: Path) -> None:
    vocab = shared_vocabulary()
    train, val = _texts()
    config = TrainConfig(seq_len=32, batch_size=8, lr=5.0, max_epochs=30, patience=1)
    artist = train_model(_small_model(), vocab, train, val, tmp_path / "e.pt", "E", config)
    assert artist.metrics["stopped"] == "early stopping"
    assert artist.metrics["epochs"] < 30


def test_fast_stepper_matches_the_lstm() -> None:
    from engine.lyrics.model import _stepper

    artist = tiny_artist("F", seed=8)
    ids = artist.vocab.encode("\n\nhello there")
    with torch.no_grad():
        reference = artist.model(torch.tensor([ids]))[0][0, -1]
        _, _, (h_n, c_n) = artist.model(torch.tensor([ids[:-1]]))
        h, c = list(h_n[:, 0:1].unbind(0)), list(c_n[:, 0:1].unbind(0))
        fast = _stepper(artist.model).step(ids[-1], h, c)
    assert torch.allclose(fast, reference, atol=1e-5)


def test_context_reads_incrementally_like_one_pass() -> None:
    from engine.lyrics.model import Context

    artist = tiny_artist("C", seed=10)
    whole = Context(artist, "\n\nfirst line\nsecond\n")
    parts = Context(artist, "\n\nfirst line\n")
    parts.sample()  # flushes what it has read so far
    parts.feed("se")
    parts.feed("cond\n")
    whole.sample()
    parts.sample()
    assert torch.allclose(whole.last, parts.last, atol=1e-5)
    line, state = whole.sample(generator=torch.Generator().manual_seed(3))
    again, _ = whole.sample(generator=torch.Generator().manual_seed(3))
    assert line == again  # sampling does not move the context
    whole.restore(state)
    assert whole.last is state[2]
