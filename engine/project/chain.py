"""The Composer's chain in a project: to and from the composer engine, re-checked when opened.

:func:`chain_to_project` and :func:`chain_from_project` convert between the engine's chain and
the project's plain record. :func:`resolve_chain` checks a saved chain against what is installed
now and says what changed: a collection that is missing (the chain is kept as saved, with its
notes), segments that moved or vanished from their collection (found again by tune and position,
or removed), and a different composer model (join distances and scores measured again). A block
the user edited keeps its notes whatever changed (``Segment.user_notes``; its segment, if gone,
becomes id -1: the block then stands for itself).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from pathlib import Path

from engine.dshl import api
from engine.dshl.chain import ChainState, block_beats, chord_spans, source_bar
from engine.errors import UserFacingError
from engine.music.meters import known_meter, meter_family
from engine.music.midi_export import RenderedNote
from engine.project.model import Chain, ComposerSettings, ModelStamp, Note, Segment

_stamps: dict[tuple[str, float, int], str] = {}


def model_stamp() -> ModelStamp:
    """Describe the composer model in use now (kind, format version, a fingerprint of its file)."""
    from engine.dshl import store
    from engine.dshl.model import FORMAT_VERSION, KIND
    from engine.dshl.store import MODEL_FILE

    path = store.model_dir() / MODEL_FILE
    try:
        info = path.stat()
    except OSError:
        return ModelStamp(KIND, FORMAT_VERSION, "")
    key = (str(path), info.st_mtime, info.st_size)
    if key not in _stamps:
        _stamps[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return ModelStamp(KIND, FORMAT_VERSION, _stamps[key])


def _saved(notes: Iterable[RenderedNote]) -> list[Note]:
    return [Note(n.start_beats, n.end_beats, n.pitch, n.velocity, n.track) for n in notes]


def _rendered(notes: Iterable[Note]) -> tuple[RenderedNote, ...]:
    return tuple(RenderedNote(n.start, n.end, n.pitch, n.velocity, n.track) for n in notes)


def chain_to_project(chain: api.Chain, notes: Iterable[RenderedNote], locked: Iterable[int],
                     stamp: ModelStamp | None = None) -> Chain:
    """The project record of an engine chain, its rendered notes and its locked positions."""
    req, locked = chain.request, set(locked)
    return Chain(
        collection=req.collection, model=stamp or model_stamp(), key=req.key,
        meter=req.meter, phrase=req.phrase, tempo=float(req.tempo), seed=req.seed, mode=req.mode,
        reuse_limit=req.reuse_limit, prefer_ending=req.prefer_ending,
        melody_program=req.melody_program, chord_program=req.chord_program,
        segments=[Segment(it.id, it.tune, it.position, it.distance, float(it.score),
                          it.ends_tune, k in locked, it.fit,
                          None if it.notes is None else _saved(it.notes))
                  for k, it in enumerate(chain.items)],
        notes=_saved(notes), phrase_blocks=req.phrase_blocks,
        phrase_notes=_saved(req.phrase_notes), pitch_offset=req.pitch_offset)


def chain_from_project(record: Chain) -> tuple[api.Chain, list[RenderedNote], set[int]]:
    """The engine chain, notes and locked positions saved in ``record`` (no model needed)."""
    locked = {k for k, s in enumerate(record.segments) if s.locked}
    request = api.ComposeRequest(
        segments=len(record.segments), seed=record.seed, key=record.key, tempo=record.tempo,
        mode=record.mode, reuse_limit=record.reuse_limit, collection=record.collection,
        prefer_ending=record.prefer_ending, melody_program=record.melody_program,
        chord_program=record.chord_program, meter=record.meter, phrase=record.phrase,
        locked={k: record.segments[k].id for k in sorted(locked)},
        phrase_blocks=record.phrase_blocks, phrase_notes=_rendered(record.phrase_notes),
        pitch_offset=record.pitch_offset)
    items = [api.ChainItem(s.id, s.tune, s.position, s.distance, s.score, s.ends_tune, s.fit,
                           None if s.user_notes is None else _rendered(s.user_notes))
             for s in record.segments]
    notes = list(_rendered(record.notes))
    return api.Chain(request=request, items=items), notes, locked


def _find(corpus, segment: Segment) -> int | None:
    """The id of ``segment`` in ``corpus``: its saved id if it still matches, else by tune/position."""
    if 0 <= segment.id < len(corpus) and _describe(corpus, segment.id) == (segment.tune,
                                                                           segment.position):
        return segment.id
    if segment.tune in corpus.tunes:
        tune = corpus.tunes.index(segment.tune)
        for seg in (corpus.tune == tune).nonzero()[0]:
            if int(corpus.position[seg]) == segment.position:
                return int(seg)
    return None


def _describe(corpus, seg: int) -> tuple[str, int]:
    return corpus.tunes[int(corpus.tune[seg])], int(corpus.position[seg])


def resolve_chain(record: Chain) -> tuple[Chain | None, list[str]]:
    """Check ``record`` against the installed collections and model; return it updated and changes.

    Keeps what it can: a missing collection keeps the chain as saved; a segment that cannot be
    found is removed; the notes are rendered again whenever the collection is there.
    """
    from engine.dshl import store

    changes: list[str] = []
    if record.collection not in api.list_collections():
        changes.append(
            f"The chain uses the collection '{record.collection}', which is not installed here. "
            "It is kept as saved (you can play it and see it), but new candidates, edits and "
            f"MIDI export need it: import it again with `segue dshl import FOLDER --name "
            f"{record.collection}`.")
        return record, changes
    meter = known_meter(record.meter)
    corpus = store.load_collection(record.collection, meter_family(meter)).corpus
    kept: list[Segment] = []
    for k, segment in enumerate(record.segments):
        if k < record.phrase_blocks or (segment.id < 0 and segment.user_notes is not None):
            kept.append(segment)  # your phrase, or your edit standing for itself: notes saved
            continue
        found = _find(corpus, segment)
        if found is None and segment.user_notes is not None:
            changes.append(f"Block {k + 1} (your edit of {segment.tune}) keeps your notes; the "
                           f"segment it was made from is no longer in '{record.collection}'.")
            kept.append(dataclasses.replace(segment, id=-1))
            continue
        if found is None:
            bar, beat = source_bar(segment, meter)
            changes.append(f"Block {k + 1} ({segment.tune}, bar {bar} beat {beat}) is no longer "
                           f"in the collection '{record.collection}': it was removed.")
            continue
        if found != segment.id:
            changes.append(f"Block {k + 1} ({segment.tune}) has a new id in the collection "
                           f"({segment.id} → {found}); it was found by tune and position.")
        kept.append(dataclasses.replace(segment, id=found))
    if not kept:
        changes.append("No block of the chain could be found again: the chain was not restored "
                       "(the Composer's settings were).")
        return None, changes
    now = model_stamp()
    record = Chain(**{**vars(record), "segments": kept})
    chain, _notes, locked = chain_from_project(record)
    remeasure = (now.kind, now.format_version, now.fingerprint) != (
        record.model.kind, record.model.format_version, record.model.fingerprint)
    if remeasure or changes:
        for position in range(record.phrase_blocks, len(chain.items)):
            chain = api.rescore(chain, position)  # your edits keep their notes
    if remeasure:
        made = (f"format {record.model.format_version}, {record.model.fingerprint or 'unknown'}")
        changes.append(f"The chain was measured by another composer model ({made}); Segue now "
                       f"uses format {now.format_version}, {now.fingerprint}. The segments are "
                       "kept; join distances and scores were measured again.")
    return chain_to_project(chain, api.chain_notes(chain), locked, now), changes


def write_midi(record: Chain, path: str | Path) -> tuple[Path, list[str]]:
    """Render ``record`` as a MIDI file: from its collection if installed, else from saved notes.

    Segments are found again in the collection first (:func:`resolve_chain`): an id outside the
    collection is never rendered. When no segment is found the saved notes are rendered (and
    said so in the changes); with no saved notes either, it is refused.
    """
    from engine.music.midi_export import to_pretty_midi, write_pretty_midi

    resolved, changes = resolve_chain(record)
    if resolved is not None and resolved.collection in api.list_collections():
        check_segment_ids(resolved)
        chain, _notes, _locked = chain_from_project(resolved)
        return api.write_midi(chain, path), changes
    resolved = resolved or record
    if not resolved.notes:
        if resolved.collection in api.list_collections():
            raise UserFacingError(f"no segment of the chain is in the collection "
                                  f"'{resolved.collection}' and the project holds no saved "
                                  "notes to render")
        raise UserFacingError(f"the chain's collection '{resolved.collection}' is not installed "
                              "and the project holds no saved notes to render")
    notes = list(_rendered(resolved.notes))
    chain, _notes, _locked = chain_from_project(resolved)
    midi = to_pretty_midi(notes, resolved.key, resolved.tempo, resolved.melody_program,
                          resolved.chord_program, api.provenance(chain) + " (from saved notes)",
                          api.parse_meter(known_meter(resolved.meter)))
    return write_pretty_midi(midi, path), changes


def check_segment_ids(record: Chain) -> None:
    """Refuse a chain holding a segment id outside its (installed) collection's range."""
    from engine.dshl import store

    size = len(store.load_collection(record.collection,
                                     meter_family(known_meter(record.meter))).corpus)
    for k, segment in enumerate(record.segments):
        if segment.id == -1 and segment.user_notes is not None:
            continue  # your edit, standing for itself
        if k >= record.phrase_blocks and not 0 <= segment.id < size:
            raise UserFacingError(f"composer.chain.segments[{k}].id: {segment.id} is not a "
                                  f"segment of the collection '{record.collection}' "
                                  f"(0 to {size - 1})")


def save_chain_project(chain: api.Chain, path: str | Path,
                       settings: ComposerSettings | None = None) -> Path:
    """Write a project holding ``chain`` and the Composer's ``settings`` (default: those that
    made the chain, its length counting the blocks after a phrase); return the path."""
    from engine.project.files import save_project
    from engine.project.model import ComposerSection, Project

    req = chain.request
    if settings is None:
        settings = ComposerSettings.from_request(
            req, segments=max(1, len(chain.items) - req.phrase_blocks))
    record = chain_to_project(chain, api.chain_notes(chain), req.locked.keys())
    return save_project(Project(composer=ComposerSection(settings, record)), path)


def composer_section(settings: dict | ComposerSettings, state: ChainState | None) -> dict:
    """The Composer panel's project section as plain data (its settings and its chain state)."""
    from engine.project.model import ComposerSection, section_from_dict, section_to_dict

    if isinstance(settings, ComposerSettings):
        settings = settings.to_dict()
    record = None if state is None else chain_to_project(state.chain, state.notes, state.locked)
    section = ComposerSection(section_from_dict("composer", {"settings": settings}).settings,
                              record)
    return section_to_dict(section)


def state_from_project(record: Chain) -> ChainState:
    """The Composer's chain state saved in ``record`` (its notes as saved: no model needed)."""
    chain, notes, locked = chain_from_project(record)
    return ChainState(chain, tuple(notes), frozenset(locked),
                      chord_spans(notes, block_beats(chain.request.meter)))


def read_composer_section(data: dict) -> tuple[ComposerSettings, ChainState | None, list[str]]:
    """The settings, the chain state (or None) and warnings of a Composer section."""
    from engine.project.model import section_from_dict

    section = section_from_dict("composer", data)
    chain = None if section.chain is None else state_from_project(section.chain)
    return section.settings, chain, []
