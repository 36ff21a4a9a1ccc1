"""Make real hostile files at test time: what unlucky users and attackers hand to ``segue``.

Nothing here is mocked: names that are not UTF-8 are made with ``os.fsencode`` bytes, device
nodes with ``os.mknod`` (root) or FIFOs, huge files as sparse files, read-only folders with a
non-root ``chmod``, ``chattr +i`` or a read-only bind mount (root). Never points at a real
``/dev`` node for writing; ``/dev/zero`` is only ever read.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
TUNES = REPO / "tests" / "data" / "dshl"
LYRICS = REPO / "tests" / "data" / "lyrics" / "sample.txt"
HUGE = 100 * 1024 * 1024  # sparse: takes no disk space

NUMBERS = ("nan", "inf", "-inf", "0", "-1", "1e-9", "1e309", "abc", "", "1" + "0" * 30)


def _garbage(size: int = 4096, seed: int = 7) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


def _write_raw(path: Path, data: bytes) -> None:
    """Write to a path whose name holds undecodable bytes (through ``os.fsencode``)."""
    with open(os.fsencode(path), "wb") as handle:
        handle.write(data)


def _sparse(path: Path, header: bytes, size: int = HUGE) -> Path:
    with open(path, "wb") as handle:
        handle.write(header)
        handle.truncate(size)
    return path


def midi_inputs(root: Path) -> dict[str, Path]:
    """Hostile things given where a MIDI file is expected (every one must be refused)."""
    root.mkdir(parents=True, exist_ok=True)
    good = TUNES / "hpps1.mid"
    data = good.read_bytes()
    made = {
        "missing": root / "missing.mid",
        "folder": root / "folder.mid",
        "dev_zero": Path("/dev/zero"),
        "fifo": root / "pipe.mid",
        "empty": root / "empty.mid",
        "garbage": root / "garbage.mid",
        "text": root / "text.mid",
        "truncated": root / "truncated.mid",
        "huge": root / "huge.mid",
        "not_utf8_name": Path(os.fsdecode(os.path.join(os.fsencode(root), b"bad-\xff\xfe.mid"))),
        "unicode_name_garbage": root / "Café — 東京.mid",
        "newline_name": root / "evil\n#EXTINF:1,Injected.mid",
        "long_name": root / ("x" * 300 + ".mid"),
        "symlink_loop": root / "loop-a.mid",
        "dangling_link": root / "dangling.mid",
        "parent_is_file": root / "empty.mid" / "inner.mid",
        "abc_as_midi": root / "tune-abc.mid",
        "zip_as_midi": root / "zip.mid",
    }
    made["folder"].mkdir(exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkfifo(made["fifo"])
    made["empty"].write_bytes(b"")
    made["garbage"].write_bytes(_garbage())
    made["text"].write_text("not a midi file\n")
    made["truncated"].write_bytes(data[: len(data) // 3])
    _sparse(made["huge"], data[:22])
    _write_raw(made["not_utf8_name"], _garbage(512, 1))
    made["unicode_name_garbage"].write_bytes(_garbage(512, 2))
    made["newline_name"].write_bytes(b"MThd")
    for link, target in (("symlink_loop", "loop-b.mid"), ("dangling_link", "nowhere.mid")):
        with contextlib.suppress(FileExistsError):
            os.symlink(root / target, made[link])
    with contextlib.suppress(FileExistsError):
        os.symlink(made["symlink_loop"], root / "loop-b.mid")
    made["abc_as_midi"].write_text("X:1\nT:t\nK:C\nCDEF|\n")
    with zipfile.ZipFile(made["zip_as_midi"], "w") as archive:
        archive.writestr("a.txt", "zip")
    return made


def lyric_inputs(root: Path) -> dict[str, Path]:
    """Hostile things given where lyric text files are expected (every one must be refused)."""
    root.mkdir(parents=True, exist_ok=True)
    made = {
        "missing": root / "missing.txt",
        "empty_folder": root / "no-texts",
        "dev_zero": Path("/dev/zero"),
        "fifo": root / "pipe.txt",
        "empty": root / "empty.txt",
        "binary_nul": root / "binary.txt",
        "latin1": root / "latin1.txt",
        "broken_utf16": root / "utf16.txt",
        "huge": root / "huge.txt",
        "controls_only": root / "controls.txt",
        "one_song": root / "one-song.txt",
        "not_utf8_name_one_song": Path(os.fsdecode(os.path.join(os.fsencode(root), b"\xff.txt"))),
        "symlink_loop": root / "loop-a.txt",
        "long_name": root / ("y" * 300 + ".txt"),
    }
    made["empty_folder"].mkdir(exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkfifo(made["fifo"])
    made["empty"].write_bytes(b"   \n\n")
    made["binary_nul"].write_bytes(b"la la\x00\x00\x01" * 100)
    made["latin1"].write_bytes("Déjà vu, ma chérie\n\nencore\n".encode("latin-1"))
    made["broken_utf16"].write_bytes(b"\xff\xfeh\x00i\x00\x00\xd8")
    _sparse(made["huge"], b"la la la\n")
    made["controls_only"].write_bytes(b"\x01\x02\x03\n\x04\x05\n")
    made["one_song"].write_text("only one song\nno blank line\n")
    _write_raw(made["not_utf8_name_one_song"], b"one song only\n")
    with contextlib.suppress(FileExistsError):
        os.symlink(root / "loop-b.txt", made["symlink_loop"])
        os.symlink(made["symlink_loop"], root / "loop-b.txt")
    return made


def output_targets(root: Path) -> dict[str, Path]:
    """Hostile places to write a file to (each must be refused, with nothing replaced)."""
    root.mkdir(parents=True, exist_ok=True)
    made = {
        "folder": root / "out-folder",
        "device": root / "device-node",
        "parent_is_file": root / "a-file" / "out.mid",
        "long_name": root / ("z" * 300 + ".mid"),
        "loop": root / "out-loop.mid",
    }
    made["folder"].mkdir(exist_ok=True)
    (root / "a-file").write_bytes(b"keep me")
    if not made["device"].exists():
        if os.geteuid() == 0:  # a private copy of /dev/full (char 1,7), never the real one
            os.mknod(made["device"], 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        else:
            os.mkfifo(made["device"])
    with contextlib.suppress(FileExistsError):
        os.symlink(root / "out-loop-b.mid", made["loop"])
        os.symlink(made["loop"], root / "out-loop-b.mid")
    return made


def truncated_npz(path: Path, source: Path) -> Path:
    """A collection file cut in the middle (``BadZipFile`` on loading)."""
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def tampered_npz(path: Path, source: Path) -> Path:
    """A well-formed collection whose tune and junction indices point outside its arrays."""
    with np.load(source, allow_pickle=False) as arrays:
        fields = {k: arrays[k] for k in arrays.files}
    fields["tune"] = fields["tune"] + 10_000
    fields["junctions"] = fields["junctions"] + 10_000_000
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **fields)
    return path


def snapshot(*roots: Path) -> dict[str, str]:
    """Hash every regular file under ``roots`` (logs excluded) to prove nothing was overwritten."""
    import hashlib

    found: dict[str, str] = {}
    for root in roots:
        for folder, dirs, files in os.walk(os.fsencode(root)):
            dirs[:] = [d for d in dirs if d != b"logs"]
            for name in files:
                path = os.path.join(folder, name)
                if not os.path.isfile(path) or os.path.islink(path):
                    continue
                info = os.stat(path)
                if info.st_size > 1024 * 1024:  # the sparse giants: size and change time suffice
                    found[os.fsdecode(path)] = f"{info.st_size}:{info.st_mtime_ns}"
                    continue
                with open(path, "rb") as handle:
                    found[os.fsdecode(path)] = hashlib.sha256(handle.read()).hexdigest()
    return found


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make ``folder`` (recursively) unwritable for this process; yield how.

    Non-root: chmod. Root (CI): ``chattr +i``, else a read-only bind mount; raises OSError when
    neither is possible (the caller skips with the reason).
    """
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")] if p.is_dir()}
        for path in modes:
            path.chmod(0o555)
        try:
            yield "chmod"
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "-R", "+i", str(folder)], capture_output=True).returncode == 0:
        try:
            yield "chattr +i"
        finally:
            subprocess.run([chattr, "-R", "-i", str(folder)], capture_output=True)
        return
    mount = shutil.which("mount")
    if mount and subprocess.run([mount, "--bind", str(folder), str(folder)],
                                capture_output=True).returncode == 0:
        try:
            if subprocess.run([mount, "-o", "remount,bind,ro", str(folder)],
                              capture_output=True).returncode != 0:
                raise OSError("cannot remount read-only")
            yield "read-only bind mount"
        finally:
            subprocess.run(["umount", str(folder)], capture_output=True)
        return
    raise OSError("running as root without chattr or mount: cannot make a read-only folder")
