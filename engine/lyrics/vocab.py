"""Character vocabularies with an unknown symbol.

Every artist model stores its own vocabulary. Bundled artists share :func:`shared_vocabulary`
(printable ASCII plus newline), so one base model can be fine-tuned into each of them; characters
outside a model's vocabulary map to the unknown symbol, so two artists with different alphabets can
still continue each other's lines.
"""

from __future__ import annotations

import string
import unicodedata
from collections import Counter

UNK = "\ufffd"


class Vocabulary:
    """A fixed list of characters; index 0 is the unknown symbol."""

    def __init__(self, chars: str | list[str]) -> None:
        chars = [ch for ch in dict.fromkeys(chars) if ch != UNK]
        self.itos: list[str] = [UNK, *chars]
        self.stoi: dict[str, int] = {ch: i for i, ch in enumerate(self.itos)}

    unk_id = 0

    def __len__(self) -> int:
        return len(self.itos)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.itos == other.itos

    def __hash__(self) -> int:
        return hash(tuple(self.itos))

    @classmethod
    def from_text(cls, text: str, min_count: int = 1) -> Vocabulary:
        """Build a vocabulary of the characters seen at least ``min_count`` times, sorted."""
        counts = Counter(text)
        return cls(sorted(ch for ch, n in counts.items() if n >= min_count))

    def to_string(self) -> str:
        """Serialise (without the unknown symbol) for a checkpoint."""
        return "".join(self.itos[1:])

    @classmethod
    def from_string(cls, chars: str) -> Vocabulary:
        """Rebuild a vocabulary serialised by :meth:`to_string`."""
        return cls(list(chars))

    def fold(self, ch: str) -> str:
        """Map a character missing from the vocabulary to a close one (é → e) or keep it."""
        if ch in self.stoi:
            return ch
        base = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in base if not unicodedata.combining(c))
        return base if len(base) == 1 and base in self.stoi else ch

    def encode(self, text: str) -> list[int]:
        """Turn text into ids; unknown characters become :attr:`unk_id`."""
        stoi = self.stoi
        return [stoi.get(ch, stoi.get(self.fold(ch), 0)) for ch in text]

    def decode(self, ids: list[int]) -> str:
        """Turn ids back into text (unknowns show as U+FFFD)."""
        return "".join(self.itos[i] for i in ids)

    def coverage(self, text: str) -> float:
        """Fraction of ``text`` characters the vocabulary knows."""
        if not text:
            return 1.0
        return 1.0 - sum(1 for i in self.encode(text) if i == 0) / len(text)


def shared_vocabulary() -> Vocabulary:
    """The vocabulary of the bundled base model and every artist fine-tuned from it."""
    printable = "".join(ch for ch in string.printable if ch not in "\t\r\x0b\x0c")
    return Vocabulary(printable)
