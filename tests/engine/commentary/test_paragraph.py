"""The paragraph plan, the sentence rotations and the decoder's constraints (copies, shared noise)."""

from __future__ import annotations

import torch

from engine.commentary import decoding, paragraph
from engine.commentary.cvae import BOS_ID, EOS_ID
from engine.commentary.words import sentence_hash

WORDS = ["<pad>", "<bos>", "<eos>", "<unk>", "the", "bass", "plays", ",", "loud", "notes"]


class ScriptedDecoder:
    """Prefers ``the bass plays`` then <eos>, then ``loud notes``; a row's cond scales the logits."""

    script = [4, 5, 6, EOS_ID, 8, 9, EOS_ID] + [EOS_ID] * 30

    def start(self, cond: torch.Tensor) -> torch.Tensor:
        return torch.zeros(cond.size(0), dtype=torch.long)

    def __call__(self, token: torch.Tensor, cond: torch.Tensor, state: torch.Tensor):  # noqa: ANN204
        logits = torch.zeros(cond.size(0), 1, len(WORDS))
        for row in range(cond.size(0)):
            step = int(state[row])
            if int(token[row, 0]) == EOS_ID or (step and int(token[row, 0]) != BOS_ID
                                                and self.script[step - 1] == EOS_ID):
                step += 1  # <eos> was barred: follow the script past it
            logits[row, 0, self.script[step]] = 5.0 * float(cond[row, 0])
        return logits, state + 1


def test_the_plan_deals_every_tag_once_by_its_usual_position() -> None:
    positions = [0.0, 0.9, 0.5, 0.1, 1.0, 0.3, 0.7]
    assert [paragraph.sentence_count(n) for n in (0, 1, 6, 7, 8, 9, 20)] == [3, 3, 3, 4, 4, 5, 5]
    few = paragraph.plan([1, 0], positions)
    assert few == [[0], [], [1]]
    many = paragraph.plan([0, 1, 2, 3, 4, 5, 6], positions)
    assert len(many) == 4 and sorted(t for s in many for t in s) == list(range(7))
    assert many[0] == [0, 3] and many[-1] == [4]
    assert paragraph.plan([], positions) == [[], [], []]


def test_rotations_are_fixed_orthogonal_and_start_with_the_identity() -> None:
    mats = paragraph.rotations(8)
    assert torch.equal(mats[0], torch.eye(8)) and torch.equal(mats, paragraph.rotations(8))
    for m in mats:
        assert torch.allclose(m @ m.T, torch.eye(8), atol=1e-5)
    z = torch.randn(8)
    assert paragraph.paragraph_seed(3, z) == paragraph.paragraph_seed(3, z.clone())
    assert paragraph.paragraph_seed(3, z) != paragraph.paragraph_seed(4, z)


def test_a_whole_training_sentence_cannot_end_there() -> None:
    cond = torch.ones(1, 2)
    free = decoding.decode(ScriptedDecoder(), cond, words=WORDS, min_words=1)
    assert free == [[4, 5, 6]]
    barred = decoding.decode(ScriptedDecoder(), cond, words=WORDS, min_words=1,
                             copy_hashes={sentence_hash(["the", "bass", "plays"])})
    assert barred[0][:3] == [4, 5, 6] and len(barred[0]) > 3
    assert decoding.decode(ScriptedDecoder(), cond, words=WORDS, min_words=4)[0][:3] == [4, 5, 6]


def test_rows_with_the_same_noise_and_distribution_draw_the_same_words() -> None:
    cond = torch.tensor([[0.3, 0.0], [0.3, 0.0], [0.3, 0.0]])
    noise = decoding.uniforms(1, 12, seed=5).repeat(1, 3)
    noise[:, 2] = decoding.uniforms(1, 12, seed=6)[:, 0]
    out = decoding.decode(ScriptedDecoder(), cond, noise, temperature=1.0, top_p=1.0,
                          max_len=12, words=WORDS)
    assert out[0] == out[1]
    assert all(EOS_ID not in seq and BOS_ID not in seq for seq in out)
    narrow = decoding.decode(ScriptedDecoder(), torch.ones(2, 2), decoding.uniforms(2, 12, 1),
                             temperature=1.0, top_p=0.01, words=WORDS, min_words=1)
    assert narrow == [[4, 5, 6], [4, 5, 6]]  # a tiny nucleus is the argmax


class LoudDecoder:
    """Always prefers "loud", then "notes", then "the"; <eos> last."""

    def start(self, cond: torch.Tensor) -> torch.Tensor:
        return torch.zeros(cond.size(0))

    def __call__(self, token: torch.Tensor, cond: torch.Tensor, state: torch.Tensor):  # noqa: ANN204
        logits = torch.full((cond.size(0), 1, len(WORDS)), -5.0)
        logits[:, 0, 8], logits[:, 0, 9], logits[:, 0, 4], logits[:, 0, 7] = 5.0, 4.0, 3.0, 2.0
        return logits, state


def test_no_echo_keeps_a_content_word_from_coming_straight_back() -> None:
    cond = torch.ones(1, 2)
    plain = decoding.decode(LoudDecoder(), cond, max_len=8, words=WORDS)[0]
    assert plain[:2] == [8, 8]  # "loud loud" (a 3-gram guard alone allows it)
    echo = decoding.decode(LoudDecoder(), cond, max_len=12, words=WORDS, no_echo=True)[0]
    spoken = [t for t in echo if WORDS[t] != ","]
    for i, token in enumerate(spoken):
        if token in (8, 9):
            assert token not in spoken[max(0, i - decoding.ECHO):i]
