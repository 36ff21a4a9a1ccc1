"""The musicnn tagger port (issue 23): bundled models, the TF reference, tagging, hostile input.

The reference fixture (``tests/data/tagger/musicnn_reference.npz``) holds three log-mel patches
(uint8 codes × a scale per patch: the exact float32 inputs) and what the original TensorFlow
models answered for them, written by ``scripts/validate_musicnn_port.py --fixture``; the port must
reproduce those probabilities within 1e-4. No TensorFlow here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.checkpoint import check_weights, load_checkpoint, load_checkpoint_header
from engine.errors import UserFacingError
from engine.tagger import audio
from engine.tagger.musicnn import FORMAT_VERSION, KIND, Musicnn, MusicnnConfig
from engine.tagger.tag import MODELS, model_path, run_patches, tag_audio, tag_file, tag_names

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "tests" / "data"
FIXTURE = DATA / "tagger" / "musicnn_reference.npz"


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> None:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("model", MODELS)
def test_bundled_checkpoint_loads_weights_only(model: str) -> None:
    path = model_path(model)
    assert path.is_file() and path.stat().st_size < 4_000_000  # ~3.2 MB
    header = load_checkpoint_header(path, KIND, FORMAT_VERSION)
    assert header.format_version == FORMAT_VERSION and header.state_dict == {}
    assert len(header.extra["tags"]) == 50 and header.extra["model"] == model
    assert 0.85 < header.metrics["test_roc_auc"] < 0.95  # the paper's ROC-AUC, carried over
    checkpoint = load_checkpoint(path, KIND, FORMAT_VERSION)  # torch.load(weights_only=True)
    config = MusicnnConfig(**{**checkpoint.config})
    check_weights(path, lambda: Musicnn(config), checkpoint.state_dict)
    assert tag_names(model) == tuple(header.extra["tags"])
    assert ("piano" in tag_names(model)) == (model == "MTT_musicnn")
    assert ("instrumental" in tag_names(model)) == (model == "MSD_musicnn")


@pytest.mark.parametrize("model", MODELS)
def test_port_matches_the_tensorflow_reference(model: str) -> None:
    ref = np.load(FIXTURE)
    patches = ref["inputs"].astype(np.float32) * ref["scales"][:, None, None]
    probs, penultimate = run_patches(patches, model)
    assert probs.shape == (3, 50) and penultimate.shape == (3, 200)
    assert np.abs(probs - ref[f"{model}_probs"]).max() < 1e-4
    assert np.abs(penultimate - ref[f"{model}_penultimate"]).max() < 1e-3  # values up to ~10


def test_windowed_mel_patches_equal_the_whole_spectrogram() -> None:
    rng = np.random.default_rng(1)
    y = (0.3 * rng.standard_normal(16000 * 20)).astype(np.float32)
    whole = audio.log_compress(audio.mel_power(y))
    patches, starts = audio.mel_patches(y, 3)
    frames = np.round(starts * audio.SAMPLE_RATE / audio.HOP).astype(int)
    assert list(frames) == [0, 187 * 2, 187 * 5] and len(whole) == 1 + len(y) // 256
    for patch, first in zip(patches, frames, strict=True):
        assert np.abs(patch - whole[first: first + 187]).max() < 2e-3  # float16 rounding ties


def test_front_end_filters_are_librosas() -> None:
    import librosa.filters  # (scipy.signal: seconds on a first import)

    assert np.array_equal(audio.mel_bank(), librosa.filters.mel(sr=16000, n_fft=512, n_mels=96))
    window, _ = audio._filters()
    assert np.array_equal(window, librosa.filters.get_window("hann", 512).astype(np.float32))


def test_patch_starts_spread_over_the_track() -> None:
    assert list(audio.patch_starts(186, None)) == []
    assert list(audio.patch_starts(187 * 10 + 5, None)) == [187 * i for i in range(10)]
    assert list(audio.patch_starts(187 * 10, 4)) == [0, 187 * 3, 187 * 6, 187 * 9]
    assert list(audio.patch_starts(187 * 10, 1)) == [0]


def _piano(seconds: float = 15.0) -> tuple[np.ndarray, int]:
    from engine.playback.synth import render_midi

    y = render_midi(DATA / "dshl" / "hpps1.mid", sample_rate=22050)
    return y[: int(seconds * 22050)], 22050


def test_rendered_piano_tune_is_tagged_piano() -> None:
    y, sr = _piano()
    tags = tag_audio(y, sr, "MTT_musicnn", max_patches=4)
    assert tags.top(1)[0][0] == "piano" and tags.probability("piano") > 0.5  # measured: 0.92
    assert "classical" in [t for t, _ in tags.top(5)]
    assert tags.embedding.shape == (200,) and tags.patch_probabilities.shape == (4, 50)
    assert len(tags.as_dict()["tags"]) == 50
    with pytest.raises(KeyError):
        tags.probability("instrumental")  # an MSD tag


VOICE = {"male", "man", "male vocal", "male voice", "vocal", "vocals", "voice", "singing"}


def test_speech_reads_as_a_voice_not_as_instrumental() -> None:
    # LibriSpeech readings (measured): a man → male/man/male vocal first, a woman → female first
    man = tag_file(DATA / "library" / "3436-172162-0000.ogg", "MTT_musicnn")
    assert {t for t, _ in man.top(3)} <= VOICE and man.probability("no vocals") < 0.02
    woman = tag_file(DATA / "library" / "198-209-0000.ogg", "MTT_musicnn")
    assert woman.top(1)[0][0] == "female" and woman.probability("male") < 0.1
    reading = tag_file(DATA / "library" / "3436-172162-0000.ogg", "MSD_musicnn")
    y, sr = _piano()
    piano = tag_audio(y, sr, "MSD_musicnn", max_patches=4)
    assert reading.probability("instrumental") < 0.01 < 0.1 < piano.probability("instrumental")


def test_file_excerpts_match_the_whole_decode() -> None:
    path = REPO / "assets" / "audio" / "Kevin_MacLeod_-_Vibe_Ace.ogg"  # 61 s: 20 patches
    assert audio.read_excerpts(path, 3) is not None
    excerpts = tag_file(path, max_patches=3)
    whole = tag_audio(audio.load_audio(path), audio.SAMPLE_RATE, max_patches=3)
    assert np.allclose(excerpts.patch_starts, whole.patch_starts)
    assert np.abs(excerpts.patch_probabilities - whole.patch_probabilities).max() < 1e-4
    assert abs(excerpts.duration - whole.duration) < 0.01


@pytest.mark.parametrize("samples, sr, message", [
    (np.zeros(0, np.float32), 16000, "no audio samples"),
    (np.full(32000, np.nan, np.float32), 16000, "NaN"),
    (np.ones(1600, np.float32) * 0.1, 16000, "too short"),
    (np.zeros(48000, np.float32), 16000, "silent"),
    (np.ones((2, 3, 4), np.float32), 16000, "no audio samples"),
    (np.ones(48000, np.float32), 0, "sample rate"),
])
def test_hostile_samples_give_one_clear_error(samples: np.ndarray, sr: int, message: str) -> None:
    with pytest.raises(UserFacingError, match=message) as caught:
        tag_audio(samples, sr, name="clip.wav")
    assert str(caught.value).startswith("clip.wav: ")


def test_hostile_files_name_the_file(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.ogg"
    truncated.write_bytes((DATA / "library" / "trumpet.ogg").read_bytes()[:3000])
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all", encoding="utf-8")
    for path in (truncated, text, tmp_path / "missing.flac", tmp_path):
        with pytest.raises(UserFacingError) as caught:
            tag_file(path)
        assert str(path) in str(caught.value)
    with pytest.raises(UserFacingError, match="unknown tagger model"):
        tag_file(DATA / "library" / "trumpet.ogg", model="MTT_vgg")
    with pytest.raises(UserFacingError, match="max_patches"):
        tag_audio(np.ones(48000, np.float32), 16000, max_patches=0)


def test_a_whole_decode_is_bounded_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    path = REPO / "assets" / "audio" / "Kevin_MacLeod_-_Vibe_Ace.ogg"
    monkeypatch.setattr(audio, "MAX_WHOLE_SAMPLES", 22050 * 30)
    with pytest.raises(UserFacingError, match="too long to decode whole") as caught:
        tag_file(path, max_patches=None)
    assert str(path) in str(caught.value)
    assert len(tag_file(path, max_patches=2).patch_starts) == 2  # excerpts: any length


def test_importing_the_api_does_not_import_torch() -> None:
    code = "import sys, engine.tagger.tag; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
