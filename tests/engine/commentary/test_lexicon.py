"""Tag normalisation, understanding typed tags, mentions, copies and the contradiction lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.checkpoint import CheckpointError
from engine.commentary import aspects, lexicon
from engine.commentary.corpus import Caption, sentences, tokenise
from engine.commentary.words import content_stems, sentence_hash, stem, tag_key

CORPUS = (
    (12, ["calming", "slow tempo"], "A calming song at a slow tempo. The piano plays softly."),
    (12, ["hip-hop", "synth pads"], "A hip-hop beat with synth pads. The rapper raps over it."),
    (12, ["jazz", "dreamy"], "A dreamy jazz tune with a saxophone. The saxophone plays a jazz solo."),
    (4, ["bebop"], "A dreamy bebop tune with a saxophone. The saxophone plays a bebop solo."),
    (11, ["calm"], "The music is calm and the piano plays softly."),
)


@pytest.fixture(scope="module")
def lex() -> lexicon.Lexicon:
    captions = [Caption(f"{k}-{i}", tags, text) for k, (n, tags, text) in enumerate(CORPUS)
                for i in range(n)]
    return lexicon.build_lexicon(captions, min_count=10, min_word_count=3, dims=16)


def test_keys_merge_case_hyphens_plurals_and_verb_forms() -> None:
    assert tag_key("Hip-Hop") == tag_key("hip hop") == tag_key("hiphop")
    assert tag_key("calm") == tag_key("Calming") and tag_key("pads") == tag_key("pad")
    assert tag_key("R&B") == tag_key("rnb") and tag_key("distorted") == tag_key("distort")
    assert stem("strings") == "string" and stem("bass") == "bass" and stem("blues") == "blues"
    assert content_stems("hip hop music") == ("hip", "hop")  # generic words are optional


def test_conditioning_tags_merge_spelling_variants(lex: lexicon.Lexicon) -> None:
    assert lex.tags[0] == "calming" and lex.counts[0] == 23  # 12 "calming" + 11 "calm"
    assert set(lex.tags) == {"calming", "slow tempo", "hip-hop", "synth pads", "jazz", "dreamy"}
    assert lex.index("CALM") == lex.index("calming") == 0


def test_each_typed_tag_is_understood_or_answered(lex: lexicon.Lexicon) -> None:
    cases = {"calming": ("known", ["calming"]), "Calm": ("variant", ["calming"]),
             "hip hop": ("variant", ["hip-hop"]), "slow": ("contained", ["slow tempo"]),
             "dreamy synth pad": ("parts", ["synth pads", "dreamy"]),
             "jazzz": ("spelling", ["jazz"])}
    for typed, (status, tags) in cases.items():
        found = lex.understand(typed)
        assert (found.status, found.tags) == (status, tags), typed
        assert found.understood and found.note
    related = lex.understand("bebop")
    assert related.status == "related" and related.tags[0] == "jazz"
    unknown = lex.understand("xqzzy")
    assert unknown.status == "unknown" and not unknown.understood and "not understood" in unknown.note
    near = lex.understand("jaz")
    assert near.status == "unknown" and "jazz" in near.suggestions
    tags, found = lex.understand_all(["calm", "calming", "xqzzy"])
    assert tags == ["calming"] and [u.status for u in found] == ["variant", "known", "unknown"]


def test_mentions_positions_and_copies(lex: lexicon.Lexicon) -> None:
    slow, calm, hip = lex.index("slow tempo"), lex.index("calming"), lex.index("hip hop")
    assert lex.mentioned(tokenise("The tempo is slow and the mood calm."), [slow, calm, hip]) == [
        slow, calm]
    assert lex.mentioned(tokenise("a hiphop groove"), [hip]) == [hip]
    assert lex.positions[lex.index("synth pads")] == 0.0  # mentioned in the first sentence
    first = sentences(CORPUS[0][2])[0]
    assert lex.is_copy(first) and not lex.is_copy(first + ["indeed"])
    assert sentence_hash(["a", ",", "b"]) == sentence_hash(["a", "b"])  # punctuation ignored


def test_lexicon_round_trips_and_refuses_other_files(lex: lexicon.Lexicon, tmp_path: Path) -> None:
    lexicon.save(lex, tmp_path / "lexicon.pt", {"tags": len(lex.tags)})
    again = lexicon.load(tmp_path / "lexicon.pt")
    assert again.tags == lex.tags and again.copy_hashes == lex.copy_hashes
    assert again.understand("bebop").tags == lex.understand("bebop").tags
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="junk.pt"):
        lexicon.load(tmp_path / "junk.pt")


def test_contradiction_lexicon() -> None:
    assert aspects.sides("No vocals here, just an instrumental") == {"instrumental"}
    assert aspects.sides("a female singer and a man") == {"female", "sung", "male"}
    assert aspects.contradicts("A slow song.", ["fast tempo"])
    assert aspects.contradicts("The male vocalist sings.", ["instrumental"])
    assert not aspects.contradicts("There is no singer.", ["instrumental"])
    assert not aspects.contradicts("An acoustic guitar plays.", ["acoustic guitar", "folk"])
    assert aspects.opposite("acoustic") == "electronic" and aspects.opposite("loud") is None
