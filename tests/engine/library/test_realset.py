"""The real-recordings set builder on a tiny .deb built here: offline, no apt, a second or two."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import soundfile

from engine.library.evaluation import realset, realset_common, realset_debs, realset_speech
from engine.library.evaluation.realset import build_realset
from engine.library.evaluation.realset_common import RealsetError, split_groups
from engine.library.evaluation.realset_debs import PackageSpec, safe_member_path
from engine.library.evaluation.realset_licences import dep5_matches, licence_for, parse_copyright

pytestmark = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")

PKG = "segue-fixture"
ROOT = "usr/share/games/fixture"
SPEC = PackageSpec(PKG, f"{ROOT}/music", effects=((f"{ROOT}/sounds", "sounds"),))
COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: fixture

Files: *
Copyright: 2024 Fixture Team
License: GPL-2+

Files: data/music/beta/*
Copyright: 2023 Beta Composer
           2024 Second Holder
License: CC-BY-SA-4.0
 Long licence text.
 .
 More of it.

Files: data/sounds/*
Copyright: Sound Person
License: CC0-1.0

Files: debian/*
Copyright: Packager
License: MIT
"""
# album folder -> files (the number picks the tone; equal numbers give equal bytes)
MUSIC = {
    "alpha": {"theme.wav": 1, "a2.ogg": 2},
    "beta": {"b1.wav": 3, "b2.wav": 4},
    "gamma": {"copy.wav": 5, "g2.wav": 6},
    "delta": {"orig.wav": 5},  # the same bytes as gamma/copy.wav
    "epsilon": {"theme_old.wav": 7},  # the same title as alpha/theme.wav
    "zeta": {"z1.wav": 8},
    "eta": {"e1.wav": 9},
}
SOUNDS = {"boom.wav": 10, "boom2.wav": 11, "click.ogg": 12, "zap.wav": 13}


def tone(number: int, path: Path) -> None:
    rate = 8000
    t = np.arange(int(0.3 * rate)) / rate
    data = (0.4 * np.sin(2 * np.pi * (110 + 37 * number) * t)).astype(np.float32)
    if path.suffix == ".ogg":
        soundfile.write(path, data, rate, format="OGG", subtype="VORBIS")
    else:
        soundfile.write(path, data, rate, subtype="PCM_16")


@pytest.fixture(scope="session")
def fixture_deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A .deb with music in album folders, effects, a silent clip, non-audio files and a link."""
    top = tmp_path_factory.mktemp("deb")
    tree = top / "tree"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        f"Package: {PKG}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: T <t@example.org>\n"
        "Description: test fixture\n", encoding="utf-8")
    music = tree / ROOT / "music"
    for album, files in MUSIC.items():
        (music / album).mkdir(parents=True)
        for name, number in files.items():
            tone(number, music / album / name)
    (music / "alpha" / "cover.png").write_bytes(b"\x89PNG not really")
    (music / "notes.txt").write_text("not audio", encoding="utf-8")
    os.symlink("../alpha/theme.wav", music / "zeta" / "link.wav")
    sounds = tree / ROOT / "sounds"
    sounds.mkdir()
    for name, number in SOUNDS.items():
        tone(number, sounds / name)
    soundfile.write(sounds / "silent.wav", np.zeros(4000, np.float32), 8000)
    (tree / ROOT / "other").mkdir()
    tone(14, tree / ROOT / "other" / "menu.wav")  # audio outside the known folders
    doc = tree / "usr" / "share" / "doc" / PKG
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT, encoding="utf-8")
    deb = top / f"{PKG}_1.0-1_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", str(tree), str(deb)],
                   check=True, capture_output=True)
    return deb


@pytest.fixture
def cache(tmp_path: Path, fixture_deb: Path) -> Path:
    folder = tmp_path / "cache"
    (folder / "debs").mkdir(parents=True)
    shutil.copyfile(fixture_deb, folder / "debs" / fixture_deb.name)
    return folder


def build(cache: Path, seed: int = 5) -> dict:
    return build_realset(cache, packages=(SPEC,), seed=seed, offline=True, speech=False,
                         log=lambda message: None)


def files_on_disk(cache: Path) -> set[str]:
    return {p.relative_to(cache).as_posix() for p in (cache / "audio").rglob("*") if p.is_file()}


def test_only_audio_is_extracted_with_labels_and_licences(cache: Path) -> None:
    manifest = build(cache)
    expected = {f"audio/{PKG}/music/{album}/{name}" for album, files in MUSIC.items() for name in files}
    expected |= {f"audio/{PKG}/effects/sounds/{name}" for name in SOUNDS}
    assert files_on_disk(cache) == expected  # no png, txt, link, silent clip or other/ audio
    assert {e["path"] for e in manifest["files"]} == expected
    assert [x["member"] for x in manifest["excluded"]] == [f"{ROOT}/sounds/silent.wav"]
    assert manifest["packages"][0]["audio_not_extracted"] == [f"{ROOT}/other/menu.wav"]
    assert manifest["packages"][0]["copyright_format"] == "DEP-5"
    by_path = {e["path"]: e for e in manifest["files"]}
    alpha = by_path[f"audio/{PKG}/music/alpha/theme.wav"]
    assert (alpha["kind"], alpha["label"], alpha["album"]) == ("music", f"{PKG}/alpha", "alpha")
    assert (alpha["licence"], alpha["copyright"]) == ("GPL-2+", "2024 Fixture Team")
    beta = by_path[f"audio/{PKG}/music/beta/b1.wav"]
    assert (beta["licence"], beta["copyright"]) == ("CC-BY-SA-4.0", "2023 Beta Composer; 2024 Second Holder")
    assert "Files: data/music/beta/*" in beta["licence_source"]
    boom = by_path[f"audio/{PKG}/effects/sounds/boom2.wav"]
    assert (boom["kind"], boom["label"], boom["album"]) == ("effects", f"{PKG}/sounds", "boom")
    assert (boom["licence"], boom["copyright"]) == ("CC0-1.0", "Sound Person")
    for entry in manifest["files"]:
        assert entry["version"] == "1.0-1" and entry["package"] == PKG
        assert 0.25 < entry["duration"] < 0.35
        assert entry["sha256"] == realset_common.file_sha256(cache / entry["path"])
    assert (cache / "licences" / f"{PKG}.copyright").read_text(encoding="utf-8") == COPYRIGHT
    csv_lines = (cache / "realset.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0].split(",") == list(realset.FIELDS) and len(csv_lines) == len(expected) + 1


def test_splits_keep_albums_and_near_duplicates_on_one_side(cache: Path) -> None:
    manifest = build(cache)
    music = [e for e in manifest["files"] if e["kind"] == "music"]
    sides: dict[str, set[str]] = defaultdict(set)
    for entry in music:
        sides[entry["label"]].add(entry["split"])
    assert all(len(s) == 1 for s in sides.values())
    group = {e["label"]: e["group"] for e in music}
    assert group[f"{PKG}/alpha"] == group[f"{PKG}/epsilon"] == f"{PKG}/alpha + {PKG}/epsilon"
    assert group[f"{PKG}/gamma"] == group[f"{PKG}/delta"]
    assert {e["split"] for e in music} == set(realset_common.SPLITS)
    summary = manifest["summary"]
    counts = [len(summary[s]["soundtracks"]) for s in realset_common.SPLITS]
    assert sum(counts) == len(MUSIC) and counts[0] >= max(counts[1:]) and min(counts) >= 1
    assert sum(summary[s]["effects_files"] for s in realset_common.SPLITS) == len(SOUNDS)
    effects = {e["album"]: e["split"] for e in manifest["files"] if e["kind"] == "effects"}
    assert set(effects) == {"boom", "click", "zap"}  # boom and boom2 are one family


def test_splits_are_deterministic_with_the_seed(cache: Path, tmp_path: Path, fixture_deb: Path) -> None:
    first = build(cache, seed=7)
    other = tmp_path / "other"
    (other / "debs").mkdir(parents=True)
    shutil.copyfile(fixture_deb, other / "debs" / fixture_deb.name)
    second = build(other, seed=7)
    assert first["files"] == second["files"]
    assert (cache / "realset.json").read_bytes() == (other / "realset.json").read_bytes()
    sizes = {f"g{i:02d}": 1.0 for i in range(20)}
    strata = {g: "a" if int(g[1:]) % 2 else "b" for g in sizes}
    chosen = split_groups(sizes, strata, 3)
    assert chosen == split_groups(dict(reversed(sizes.items())), strata, 3)
    counts = [sum(1 for s in chosen.values() if s == split) for split in realset_common.SPLITS]
    assert counts == [10, 5, 5]
    assert any(split_groups(sizes, strata, seed) != chosen for seed in range(4, 10))


def test_rerun_is_idempotent_and_verifies_files(cache: Path) -> None:
    first = build(cache)
    assert first["written"] == len(first["files"])
    manifest_bytes = (cache / "realset.json").read_bytes()
    stamps = {p: (cache / p).stat().st_mtime_ns for p in files_on_disk(cache)}
    (cache / "audio" / ".left.wav.x1.tmp").write_bytes(b"half")  # a killed run's leftovers
    (cache / "debs" / ".partial-abc").mkdir()
    again = build(cache)
    assert again["written"] == 0
    assert (cache / "realset.json").read_bytes() == manifest_bytes
    assert {p: (cache / p).stat().st_mtime_ns for p in files_on_disk(cache)} == stamps
    assert not (cache / "audio" / ".left.wav.x1.tmp").exists()
    assert not (cache / "debs" / ".partial-abc").exists()
    damaged = cache / f"audio/{PKG}/music/beta/b2.wav"
    good = damaged.read_bytes()
    damaged.write_bytes(good[:100])
    third = build(cache)
    assert third["written"] == 1 and damaged.read_bytes() == good


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_deb_is_one_clear_error(cache: Path, damage: str, capsys, monkeypatch) -> None:
    deb = next((cache / "debs").glob("*.deb"))
    data = deb.read_bytes()
    deb.write_bytes(b"this is not an ar archive" * 10 if damage == "garbage" else data[: len(data) // 2])
    with pytest.raises(RealsetError, match="not a valid .deb") as caught:
        build(cache)
    assert "\n" not in str(caught.value) and "delete it and run again" in str(caught.value)
    monkeypatch.setattr(realset, "PACKAGES", (SPEC,))
    assert realset.main(["--cache", str(cache), "--offline", "--no-speech", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "not a valid .deb" in err
    assert not (cache / "realset.json").exists()


def test_missing_deb_offline_and_missing_apt_get_are_clear_errors(tmp_path: Path, capsys,
                                                                  monkeypatch) -> None:
    monkeypatch.setattr(realset, "PACKAGES", (SPEC,))
    assert realset.main(["--cache", str(tmp_path / "c"), "--offline", "--no-speech"]) == 2
    assert f"no .deb of {PKG}" in capsys.readouterr().err
    monkeypatch.setattr(realset_debs, "apt_candidate", lambda package: {
        "Version": "1.0-1", "Filename": f"pool/{PKG}_1.0-1_all.deb", "SHA256": "0" * 64, "Size": "10"})
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "apt-get" else real_which(name))
    with pytest.raises(RealsetError, match="apt-get not found"):
        realset_debs.fetch_deb(PKG, tmp_path / "debs", log=lambda message: None)


def test_a_full_disk_is_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "x.wav"))

    monkeypatch.setattr(realset, "build_realset", full)
    assert realset.main(["--cache", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no space left on the device" in err


def ar_deb(members: list[tuple[str, bytes]], padding: int = 0) -> bytes:
    def tar_gz(entries: list[tuple[str, bytes]], padding: int = 0) -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for name, blob in entries:
                info = tarfile.TarInfo(name)
                info.size = len(blob)
                tar.addfile(info, io.BytesIO(blob))
            tar.fileobj.write(b"\0" * padding)  # zeros after the end-of-archive blocks
        return buf.getvalue()

    control = tar_gz([("./control", f"Package: {PKG}\nVersion: 1\nArchitecture: all\n"
                                    "Maintainer: T <t@example.org>\nDescription: x\n".encode())])
    out = b"!<arch>\n"
    for name, blob in (("debian-binary", b"2.0\n"), ("control.tar.gz", control),
                       ("data.tar.gz", tar_gz(members, padding))):
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(blob):<10}`\n".encode() + blob
        out += b"\n" if len(blob) % 2 else b""
    return out


def test_a_long_tail_after_the_archive_end_is_read_not_killed(tmp_path: Path) -> None:
    wav = io.BytesIO()
    soundfile.write(wav, np.full(4000, 0.3, np.float32), 8000, format="WAV")
    cache = tmp_path / "cache"
    (cache / "debs").mkdir(parents=True)
    (cache / "debs" / f"{PKG}_1_all.deb").write_bytes(
        ar_deb([(f"./{ROOT}/music/a/ok.wav", wav.getvalue())], padding=4 * 2**20))
    manifest = build(cache)  # dpkg-deb still writes the tail when tarfile stops reading
    assert [e["path"] for e in manifest["files"]] == [f"audio/{PKG}/music/a/ok.wav"]


def test_a_member_leaving_the_root_is_refused(tmp_path: Path) -> None:
    wav = io.BytesIO()
    soundfile.write(wav, np.full(4000, 0.3, np.float32), 8000, format="WAV")
    cache = tmp_path / "cache"
    (cache / "debs").mkdir(parents=True)
    (cache / "debs" / f"{PKG}_1_all.deb").write_bytes(ar_deb([
        (f"./{ROOT}/music/a/ok.wav", wav.getvalue()),
        (f"./{ROOT}/music/a/../../../../../../../../evil.wav", wav.getvalue())]))
    with pytest.raises(RealsetError, match="unsafe path"):
        build(cache)
    assert not list(tmp_path.rglob("evil.wav"))
    for bad in ("../x.wav", "/etc/x.wav", "./a/../../x.wav", "a\\..\\x.wav", "a/\0.wav"):
        with pytest.raises(RealsetError):
            safe_member_path(bad)
    assert str(safe_member_path("./usr/share/x.ogg")) == "usr/share/x.ogg"
    assert str(safe_member_path("./")) == "."


def test_dep5_patterns_match_installed_paths() -> None:
    installed = "usr/share/games/supertux2/music/forest/forest.ogg"
    assert dep5_matches("data/music/*", installed)
    assert dep5_matches("*", installed)
    assert dep5_matches("*/forest.ogg", installed)
    assert not dep5_matches("debian/*", installed)
    assert not dep5_matches("data/sounds/*", installed)
    assert not dep5_matches("data/levels/*", installed)
    free = parse_copyright("Upstream Author: X\n\nLicense:\n  This program is free software; you can "
                           "redistribute it under the terms of the GNU General Public License "
                           "version 2\n  or at your option any later version.\n")
    assert not free.machine_readable and free.package_licence == "GPL-2+"
    assert licence_for(free, "a/b.ogg", "p", {"copyright": "Someone (C) 2008"})[:2] == (
        "GPL-2+", "Someone (C) 2008")
    assert licence_for(None, "a/b.ogg", "p", {})[0] == "unknown"


@pytest.mark.skipif(shutil.which("espeak-ng") is None,
                    reason="needs espeak-ng (apt-get install espeak-ng) to synthesise speech")
def test_speech_clips_split_by_speaker_and_text(tmp_path: Path) -> None:
    speakers = (realset_speech.Speaker("espeak-ng", "en-gb+m3", 160, "espeak-ng"),
                realset_speech.Speaker("espeak-ng", "en-us+f2", 170, "espeak-ng"))
    made: list[str] = []
    entries, described, warnings = realset_speech.build_speech(
        tmp_path, 5, {}, speakers=speakers, clips_per_speaker=2, log=made.append)
    assert warnings == [] and len(entries) == 4 and len(made) == 4
    assert {d["split"] for d in described} == {"fit", "selection"}
    texts: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        assert entry["kind"] == "speech" and entry["label"] in {s.id for s in speakers}
        assert realset_speech.MIN_SECONDS <= entry["duration"] <= realset_speech.MAX_SECONDS
        assert soundfile.info(str(tmp_path / entry["path"])).duration == pytest.approx(
            entry["duration"], abs=0.01)
        texts[entry["split"]].add(entry["title"])
    assert not texts["fit"] & texts["selection"]
    previous = {e["path"]: e for e in entries}
    again, _, _ = realset_speech.build_speech(tmp_path, 5, previous, speakers=speakers,
                                              clips_per_speaker=2, log=made.append)
    assert again == entries and len(made) == 4  # nothing synthesised again
    assert json.dumps(again)  # plain data for the manifest
