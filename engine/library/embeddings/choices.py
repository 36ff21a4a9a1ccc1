"""The embedding options' names and the default (no numpy: the CLI parser reads them at start-up).

:mod:`.options` reads each option's vectors; ``segue eval playlist`` measures them side by side
and the default is the one that won on the real recordings' selection split (docs/library.md).
"""

from __future__ import annotations

# composite option -> the base options it puts side by side (each block at unit variance)
COMBINED: dict[str, tuple[str, ...]] = {
    "combined": ("features", "spectrogram"),
    "tagger+features": ("tagger", "features"),
    "tagger+combined": ("tagger", "features", "spectrogram"),
}
OPTIONS = ("features", "spectrogram", "combined", "tagger", "tagger+features", "tagger+combined")
ALL_OPTIONS = (*OPTIONS, "lyrics")
DEFAULT = "tagger+features"  # chosen on the real recordings' selection split (docs/library.md)


def in_use() -> str:
    """The option the Library setting names (``SEGUE_HOME/settings.ini``), else :data:`DEFAULT`.

    Read as plain INI text so the engine stays Qt-free; an unknown value counts as the default.
    """
    import configparser

    from engine import paths

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(paths.segue_home() / "settings.ini", encoding="utf-8")
        value = parser.get("library", "embedding", fallback=DEFAULT)
    except (configparser.Error, OSError, UnicodeDecodeError):
        return DEFAULT
    return value if value in OPTIONS else DEFAULT
