"""Decoding and features on real clips and on synthetic signals with a known answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from engine.library.analysis.decode import DecodeError, decode
from engine.library.analysis.features import (
    FEATURE_NAMES,
    N_FEATURES,
    analyse_file,
    feature_weights,
    features_from_samples,
)

from .conftest import CLIPS


def clicks(bpm: float, seconds: float = 20.0, rate: int = 11025) -> np.ndarray:
    """A click track: short noise bursts every beat."""
    out = np.zeros(int(seconds * rate), np.float32)
    burst = np.random.default_rng(0).normal(0, 0.5, 200).astype(np.float32)
    for start in np.arange(0, seconds, 60.0 / bpm):
        i = int(start * rate)
        out[i : i + 200] += burst[: len(out[i : i + 200])]
    return out


def test_vector_shape_and_names() -> None:
    vector, duration = analyse_file(CLIPS / "trumpet.ogg")
    assert vector.shape == (N_FEATURES,) == (len(FEATURE_NAMES),)
    assert np.all(np.isfinite(vector))
    assert duration == pytest.approx(5.33, abs=0.05)


@pytest.mark.parametrize("bpm", [90.0, 120.0, 150.0])
def test_tempo_of_a_click_track(bpm: float) -> None:
    tempo = features_from_samples(clicks(bpm), 11025)[0]
    assert tempo == pytest.approx(bpm, rel=0.04)


def test_periodicity_tells_three_from_four() -> None:
    rate = 11025
    three = clicks(180.0, rate=rate)  # a click every 1/3 s
    four = clicks(240.0, rate=rate)  # every 1/4 s
    a = features_from_samples(three, rate)[64:]
    b = features_from_samples(four, rate)[64:]
    a2 = features_from_samples(clicks(180.0, rate=rate) * 0.5, rate)[64:]
    assert np.linalg.norm(a - a2) < 0.5 * np.linalg.norm(a - b)


def test_stereo_44k_file_is_decimated_to_about_11k(tmp_path: Path) -> None:
    rate = 44100
    t = np.arange(rate * 3) / rate
    tone = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], 1) * 0.3
    sf.write(tmp_path / "tone.wav", tone, rate)
    decoded = decode(tmp_path / "tone.wav")
    assert decoded.sample_rate == 11025
    assert decoded.duration == pytest.approx(3.0)
    centroid = features_from_samples(decoded.samples, decoded.sample_rate)[3]
    assert 300 < centroid < 700


def test_long_file_reads_excerpts_only(tmp_path: Path) -> None:
    rate = 8000
    sf.write(tmp_path / "long.flac", np.zeros(rate * 300, np.float32) + 0.01, rate)
    decoded = decode(tmp_path / "long.flac")
    assert decoded.duration == pytest.approx(300.0)
    assert len(decoded.samples) / decoded.sample_rate == pytest.approx(60.0, abs=1.0)


def test_bad_inputs_raise_decode_error_with_reason(tmp_path: Path) -> None:
    (tmp_path / "empty.ogg").write_bytes(b"")
    (tmp_path / "text.mp3").write_text("not audio at all\n" * 50)
    with pytest.raises(DecodeError, match="empty"):
        decode(tmp_path / "empty.ogg")
    with pytest.raises(DecodeError, match="not a readable audio file"):
        decode(tmp_path / "text.mp3")


def test_weights_give_each_group_its_share() -> None:
    weights = feature_weights()
    assert weights.shape == (N_FEATURES,)
    periodicity = float((weights[64:] ** 2).sum())
    mfcc = float((weights[29:55] ** 2).sum())
    assert periodicity == pytest.approx(mfcc / 0.36, rel=1e-4)  # weights 1.0 and 0.6, squared


def test_huge_files_are_refused_without_reading(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.library.analysis.decode as audio_decode

    monkeypatch.setattr(audio_decode, "MAX_FILE_BYTES", 10_000)
    target = tmp_path / "huge.flac"
    target.write_bytes((CLIPS / "speech.flac").read_bytes())
    with pytest.raises(DecodeError, match="too big"):
        decode(target)
