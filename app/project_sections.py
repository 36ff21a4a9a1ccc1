"""The Composer controls' part of a project: widgets to the engine's settings record and back.

One record, :class:`engine.dshl.settings.ComposerSettings`, carries the controls everywhere (the
project file, ``segue compose --project``, the next Compose's request). Kept out of the panel so
that the panel's project methods stay two thin calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.dshl.settings import ComposerSettings

if TYPE_CHECKING:  # pragma: no cover
    from app.widgets.composer_controls import ComposerControls
    from engine.dshl.chain import ChainState


def read_settings(c: ComposerControls) -> ComposerSettings:
    """What the next Compose would use, read from the widgets (no seed is drawn)."""
    return c.settings()


def controls_settings(c: ComposerControls) -> dict[str, Any]:
    """The widgets' settings as the project's plain data."""
    return read_settings(c).to_dict()


def apply_settings(c: ComposerControls, settings: ComposerSettings) -> list[str]:
    """Set the widgets from ``settings``; return warnings for values they cannot show."""
    return c.apply_settings(settings)


def apply_controls(c: ComposerControls, settings: ComposerSettings) -> list[str]:
    """Set the widgets from a project's settings (see :func:`apply_settings`)."""
    return apply_settings(c, settings)


def follow_phrase(c: ComposerControls, state: ChainState) -> str:
    """Set the key, meter and tempo widgets to those of the phrase ``state`` continues and
    say so (what changed, what was estimated or moved onto the grid) in one status line."""
    before = read_settings(c)
    req = state.chain.request
    after = before.follow(req.key, req.meter, req.tempo)
    apply_settings(c, after)
    changed = [f"{name} {new} (was {old})" for name, new, old in (
        ("key", after.key, before.key), ("meter", after.meter, before.meter),
        ("tempo", f"{after.tempo:g}", f"{before.tempo:g}")) if new != old]
    blocks = req.phrase_blocks
    text = (f"Composer: continued {req.phrase}: the first {blocks} block"
            f"{'s' * (blocks != 1)} are your phrase, note for note (locked)")
    if state.remarks:
        text += "; " + "; ".join(state.remarks)
    if changed:
        text += "; the panel followed your phrase: " + ", ".join(changed)
    else:
        text += f"; in {after.key}, {after.meter}, {after.tempo:g} BPM like the panel"
    return text + "."
