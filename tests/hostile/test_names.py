"""Collection and artist names are names, never paths (issue 26, item 5).

``segue compose --collection ../../../../x`` must not load ``x.npz`` from outside SEGUE_HOME:
every name is checked where it becomes a file name, and refused in one clear line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.hostile.test_cli_hostile import run_cli

HOSTILE = ["../../../../x", "../x", "a/b", "a\\b", "..", ".", ".hidden", "a..b", "a\x00b",
           "tab\there", "line\nbreak", "bidi\u202eoverride", "x" * 101]


@pytest.fixture
def outside_collection(tiny_model: Path, segue_home: Path) -> Path:
    """A valid collection file placed where ``--collection ../../../../x`` points."""
    from engine.dshl.store import CORPUS_FILE

    (tiny_model / "collections").mkdir()
    target = (tiny_model / "collections" / "../../../../x.npz").resolve()
    assert not target.is_relative_to(segue_home)
    shutil.copy(tiny_model / CORPUS_FILE, target)
    return target


def test_compose_refuses_a_collection_path_outside_home(outside_collection: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "out.mid"
    code, _out, err = run_cli(["compose", "--collection", "../../../../x", "--out", str(out)])
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("segue: error: invalid collection name"), err
    assert "'../../../../x'" in lines[0] and "not a path" in lines[0]
    assert not out.exists()


def test_compose_continue_refuses_a_collection_path(outside_collection: Path,
                                                    tmp_path: Path) -> None:
    from tests.hostile.corpus import TUNES

    code, _out, err = run_cli(["compose", "--continue", str(TUNES / "hpps1.mid"), "--collection",
                               "../../../../x", "--out", str(tmp_path / "out.mid")])
    assert code == 2 and err.count("\n") == 1, err
    assert "invalid collection name '../../../../x'" in err


@pytest.mark.parametrize("name", HOSTILE)
def test_collection_names_are_checked_where_they_become_files(name: str) -> None:
    from engine.dshl import store
    from engine.errors import UserFacingError

    with pytest.raises(UserFacingError, match="collection"):
        store.collection_file(name)
    with pytest.raises(ValueError, match="invalid collection name|needs a name"):
        store.load_collection(name)


@pytest.mark.parametrize("name", ["../escape", ".hidden", "a/b"])
def test_import_refuses_path_names_before_reading(name: str, tmp_path: Path) -> None:
    from engine.dshl.importer import import_folder

    with pytest.raises(ValueError, match="invalid collection name"):
        import_folder(tmp_path, name)
    assert not (tmp_path / "escape.npz").exists()


def test_stray_files_are_not_listed_as_collections(tiny_model: Path) -> None:
    from engine.dshl import store

    folder = tiny_model / "collections"
    folder.mkdir()
    for stem in ("mine", ".hidden", "a..b"):
        (folder / f"{stem}.npz").write_bytes(b"")
    assert store.list_collections() == [store.BUNDLED, "mine"]


def test_plain_names_stay_valid() -> None:
    from engine.dshl import store
    from engine.paths import check_name

    for name in ("mine", "Reels-2024_v1.2", "Café", "東京", "x" * 100):
        assert check_name(name, "collection") == name
    assert store.collection_file("mine").parent == store.user_dir() / "collections"
    assert store.collection_file("mine", "triple").name == "mine@triple.npz"


@pytest.mark.parametrize("name", [*HOSTILE[:-1], "AC/DC", "/etc/passwd", "..\\..\\win"])
def test_artist_names_become_files_inside_the_artists_folder(name: str) -> None:
    from engine.lyrics.artists import slugify, user_models_dir
    from engine.paths import check_name

    slug = check_name(slugify(name), "artist")
    path = user_models_dir() / f"{slug}.pt"
    assert path.parent == user_models_dir() and not slug.startswith(".")


def test_artist_lookup_never_reads_a_path(segue_home: Path) -> None:
    from engine.lyrics.artists import find_artist

    with pytest.raises(LookupError, match="is not installed"):
        find_artist("../../../../assets/models/lyrics/robert_burns")
