"""`segue library scan --cluster` against things that are not a Dask scheduler (issue 26, item 8).

Small socket servers on 127.0.0.1 (threads of this process) accept and then stay silent, answer
HTTP, send garbage, announce a huge frame, or speak Dask's handshake and then nothing; and some
addresses are wrong in themselves. Each scan runs in a real process (so what the interpreter
prints while exiting counts) and must exit 2 with exactly one line on stderr, ``segue: error:
…``, within a bounded time — not a clean line followed by ``Exception ignored in
Client.__del__`` and a 20 s wait, and never a wait for ever.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BOUND = 15.0  # seconds for a whole `segue` process, start-up included
HARD_STOP = 90.0  # the child is killed (and the test fails) after this


def dask_handshake() -> bytes:
    """A Dask handshake frame as a scheduler sends it, built with distributed's own protocol."""
    from distributed.protocol import dumps
    from distributed.protocol.utils import pack_frames

    body = pack_frames(list(dumps({"compression": None, "python": tuple(sys.version_info[:3]),
                                   "pickle-protocol": 5})))
    return struct.pack("Q", len(body)) + body


SENDS: dict[str, Callable[[], bytes]] = {
    "silent": lambda: b"",
    "http": lambda: b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "garbage": lambda: bytes(range(256)) * 64,
    "huge-frame": lambda: struct.pack("Q", 2**40) + b"\0" * 64,  # a terabyte announced
    "handshake-then-silent": dask_handshake,
}


class Server:
    """A TCP server on 127.0.0.1 that sends ``greeting`` to each connection, then holds it open
    (reading whatever comes) until the test ends."""

    def __init__(self, greeting: bytes) -> None:
        self.greeting = greeting
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.sendall(self.greeting)
            conn.settimeout(0.5)
            while not self.stop.is_set():
                try:
                    if not conn.recv(65536):
                        return
                except TimeoutError:
                    continue
        except OSError:
            return

    def close(self) -> None:
        """Stop accepting and drop every connection."""
        self.stop.set()
        self.listener.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A :class:`Server` sending what ``SENDS[request.param]`` makes."""
    running = Server(SENDS[request.param]())
    yield running
    running.close()


def scan_cluster(address: str, tmp_path: Path) -> tuple[int, str, str, float]:
    """Run ``segue library scan DIR --cluster ADDRESS``; (exit code, stdout, stderr, seconds)."""
    folder = tmp_path / "music"
    folder.mkdir(exist_ok=True)
    env = {**os.environ, "SEGUE_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "engine.cli", "library", "scan", str(folder),
                               "--cluster", address], cwd=REPO, env=env, text=True,
                              capture_output=True, timeout=HARD_STOP)
    except subprocess.TimeoutExpired:
        pytest.fail(f"segue library scan --cluster {address} was still waiting after "
                    f"{HARD_STOP:.0f} s")
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def assert_one_clean_line(code: int, out: str, err: str, seconds: float, bound: float) -> str:
    lines = err.splitlines()
    assert code == 2, (code, err)
    assert len(lines) == 1 and lines[0].startswith("segue: error: "), err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert out == ""
    assert seconds < bound, f"took {seconds:.1f} s: {err}"
    return lines[0]


@pytest.mark.parametrize("server", ["silent", "http", "garbage", "huge-frame"], indirect=True)
def test_a_server_that_is_not_a_scheduler_gets_one_line(server: Server, tmp_path: Path) -> None:
    line = assert_one_clean_line(*scan_cluster(f"tcp://127.0.0.1:{server.port}", tmp_path),
                                 bound=BOUND)
    assert f"127.0.0.1:{server.port}" in line


@pytest.mark.parametrize("server", ["handshake-then-silent"], indirect=True)
def test_a_server_that_stops_after_the_handshake_is_given_up_on(server: Server,
                                                                tmp_path: Path) -> None:
    # The probe passes; the client's own connection then waits for replies that never come:
    # bounded by the connect timeout (10 s) and a 2 s margin, then discarded without its close.
    line = assert_one_clean_line(*scan_cluster(f"tcp://127.0.0.1:{server.port}", tmp_path),
                                 bound=BOUND + 12.0)
    assert "no answer within" in line or "did not finish connecting" in line


@pytest.mark.parametrize("server", ["silent"], indirect=True)
def test_bad_addresses_get_one_line(server: Server, tmp_path: Path) -> None:
    free = socket.create_server(("127.0.0.1", 0))
    closed_port = free.getsockname()[1]
    free.close()  # nothing listens there now: connection refused
    cases = {
        f"tls://127.0.0.1:{server.port}": "needs TLS certificates",
        "inproc://127.0.0.1/1234/1": "in-process",
        "inproc://127.0.0.1:8786": "in-process",
        f"tcp://127.0.0.1:{server.port}/x": "no path",
        "ucx://127.0.0.1:8786": "tcp:// or tls://",
        "tcp://127.0.0.1": "port",
        f"tcp://127.0.0.1:{closed_port}": "cannot reach",
    }
    for address, expected in cases.items():
        line = assert_one_clean_line(*scan_cluster(address, tmp_path), bound=BOUND)
        assert expected in line, (address, line)
