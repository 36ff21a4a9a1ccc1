"""The Composer's settings: one record for the panel, the command line, the chain and the project.

:class:`ComposerSettings` holds what the next Compose uses (length, seed, meter, major/minor,
key, tempo, instruments, mode, reuse limit, collection). The panel reads and shows it
(``ComposerControls.settings()`` / ``apply_settings()``), ``segue compose --project`` writes it,
:meth:`ComposerSettings.request` turns it into the engine's
:class:`~engine.dshl.api.ComposeRequest` and :meth:`ComposerSettings.from_request` back, and the
project file stores it as :meth:`to_dict` (strictly read by :mod:`engine.project.model`).

Projects written before the ``tonality`` field existed never saved the meter (the panel wrote
4/4 whatever it showed): :meth:`ComposerSettings.settle_legacy` takes the meter and key of the
chain they hold instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from engine.dshl.api import ComposeRequest

TONALITIES = ("major", "minor")


def key_tonality(key: str) -> str:
    """``"minor"`` for ``"Em"``/``"F#m"``, else ``"major"`` (an unreadable key counts as major)."""
    from engine.music.transpose import parse_key

    try:
        return "minor" if parse_key(key)[1] else "major"
    except ValueError:
        return "major"


@dataclass
class ComposerSettings:
    """What the next Compose uses; ``segments`` counts the blocks added after a phrase."""

    segments: int = 8
    seed: int = 1
    random_seed: bool = False
    key: str = "C"
    meter: str = "4/4"
    tonality: str = "major"  # "major" or "minor": the tunes drawn from (the key's own mode)
    tempo: float = 120.0
    mode: str = "min"
    reuse_limit: int | None = 2
    collection: str = "nottingham"
    melody_program: int = 73
    chord_program: int = 0

    def request(self, seed: int | None = None) -> ComposeRequest:
        """The engine request these settings describe (``seed`` overrides the stored one)."""
        from engine.dshl.api import ComposeRequest

        return ComposeRequest(
            segments=self.segments, seed=self.seed if seed is None else seed, key=self.key,
            tempo=float(self.tempo), mode=self.mode, reuse_limit=self.reuse_limit,
            collection=self.collection, meter=self.meter, melody_program=self.melody_program,
            chord_program=self.chord_program)

    @classmethod
    def from_request(cls, request: ComposeRequest, segments: int | None = None,
                     random_seed: bool = False) -> ComposerSettings:
        """The settings that made ``request`` (``segments``: the Length to show instead)."""
        return cls(
            segments=request.segments if segments is None else segments,
            seed=request.seed if request.seed is not None else 1,
            random_seed=random_seed or request.seed is None, key=request.key,
            meter=request.meter, tonality=key_tonality(request.key), tempo=float(request.tempo),
            mode=request.mode, reuse_limit=request.reuse_limit, collection=request.collection,
            melody_program=request.melody_program, chord_program=request.chord_program)

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON data (the project's ``composer.settings``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ComposerSettings:
        """Settings from plain data (unknown fields ignored, missing ones default; a missing
        ``tonality`` follows the key). Use :func:`engine.project.model.section_from_dict` for
        data from a file: it checks every type."""
        names = {f.name for f in dataclasses.fields(cls)}
        settings = cls(**{k: v for k, v in data.items() if k in names})
        if "tonality" not in data:
            settings.tonality = key_tonality(settings.key)
        return settings

    def follow(self, key: str, meter: str, tempo: float) -> ComposerSettings:
        """These settings in another key, meter and tempo (the tonality follows the key)."""
        return dataclasses.replace(self, key=key, meter=meter, tempo=float(tempo),
                                   tonality=key_tonality(key))

    def settle_legacy(self, chain_key: str | None, chain_meter: str | None) -> ComposerSettings:
        """Settings of a project written before ``tonality`` was saved: the meter was never
        saved then, so the chain's meter and key (when there is a chain) are the ones to show."""
        settled = dataclasses.replace(self)
        if chain_meter:
            settled.meter = chain_meter
        if chain_key:
            settled.key = chain_key
        settled.tonality = key_tonality(settled.key)
        return settled
