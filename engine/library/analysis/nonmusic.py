"""Is it music? A two-feature rule that flags speech and field recordings at analysis time.

Speech glides in pitch and has no steady pulse; field recordings (birds, whales, rain) have
neither held pitch classes nor a beat. Two features the analysis computes anyway separate them
from music on the clips we can ship (``bench/non_music.py`` prints the figures):

* **chroma stability** — correlation of the chroma vectors 0.25 s apart: held notes and chords
  keep their pitch classes (music: 0.27–0.56; speech and the dog howl: 0.05–0.16);
* **pulse clarity** — the onset autocorrelation's peak (``features.py``), which rescues music
  with a beat but little harmony (a drum and bass excerpt: stability 0.28, pulse 0.36).

``music_score = stability + 0.5 × pulse``; below :data:`THRESHOLD` a track is non-music, marked
in the table and left out of playlists unless asked for.
"""

from __future__ import annotations

PULSE_WEIGHT = 0.5
THRESHOLD = 0.4
UNKNOWN = -1.0  # not analysed by a Segue that knew this rule


def music_score(stability: float, pulse_clarity: float) -> float:
    """The rule's score: chroma stability + 0.5 × pulse clarity (music from about 0.4 up)."""
    return float(stability) + PULSE_WEIGHT * float(pulse_clarity)


def is_music(score: float) -> bool:
    """True unless the score says non-music (an unknown score counts as music)."""
    return score < 0 or score >= THRESHOLD
