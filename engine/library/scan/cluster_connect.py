"""Reaching a Dask scheduler with bounded waits (``--cluster``): check, probe, connect, close.

``distributed`` bounds the TCP connection but not the handshake that follows: a server that
accepts and never speaks holds ``Client()`` for ever, and one that speaks something else (HTTP,
garbage, a frame length of exabytes) fails only after Dask tried to allocate it, leaving a
half-made client whose ``__del__`` waits 20 s and prints a traceback at exit. So, before any
``Client`` exists, :func:`probe` opens its own socket (connect timeout), reads the scheduler's
handshake frame with a deadline and a size cap (no allocation beyond 64 KiB, nothing unpickled),
and answers with the same handshake so the scheduler logs nothing. Only then does
:func:`open_client` start a ``Client``, itself within a deadline; a client that fails or is left
is discarded without its slow close, and :func:`close_client` closes within a bound.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import struct
import threading
import time
from typing import Any

from engine.errors import UserFacingError

PROBE_TIMEOUT = 5.0  # seconds for the TCP (and TLS) connection, and again for the handshake
MAX_HANDSHAKE = 64 * 1024  # a Dask handshake is about 60 bytes; refuse any frame above this
CLOSE_TIMEOUT = 2.0  # seconds a clean close may take before the client is discarded
SCHEMES = ("tcp", "tls")
_ADDRESS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>\[[0-9a-fA-F:.]+\]|[\w.-]+)"
                      r"(?::(?P<port>\d{1,5}))?(?P<rest>\S*)")


class ClusterError(UserFacingError):
    """The cluster cannot be used (unreachable, wrong Segue on a worker, no `distributed`)."""


class ClusterLost(ClusterError):
    """The scheduler went away mid-scan; committed results are kept and the next scan resumes."""


def scheduler_address(text: str) -> str:
    """``tcp://HOST:PORT`` (or ``tls://``) from what the user typed; ``HOST:PORT`` is TCP.

    Raises :class:`ClusterError` for anything else: another scheme (``inproc://`` exists only
    inside one Python process), no port, a path after the port."""
    typed = text.strip()
    text = typed if "://" in typed else f"tcp://{typed}"
    match = _ADDRESS.fullmatch(text)
    example = "like tcp://HOST:8786"
    if match is None:
        raise ClusterError(f"not a Dask scheduler address ({example}): {typed!r}")
    scheme, rest = match["scheme"], match["rest"]
    if scheme == "inproc":
        raise ClusterError(f"{typed!r} is an in-process Dask address, which only works inside "
                           f"one Python process: give the scheduler's tcp://HOST:PORT")
    if scheme not in SCHEMES:
        raise ClusterError(f"segue reaches Dask schedulers over tcp:// or tls://, not "
                           f"{scheme}:// ({example}): {typed!r}")
    if match["port"] is None or not 0 < int(match["port"]) < 65536:
        raise ClusterError(f"not a Dask scheduler address ({example}; the port is missing or "
                           f"out of range): {typed!r}")
    if rest not in ("", "/"):
        raise ClusterError(f"a Dask scheduler address has no path ({example}), "
                           f"{rest!r} is extra: {typed!r}")
    return f"{scheme}://{match['host']}:{int(match['port'])}"


def distributed_module() -> Any:
    """``distributed``, or :class:`ClusterError` saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs the optional 'distributed' package: "
                           "pip install 'segue[cluster]'") from None
    return distributed


def _tls_context(address: str) -> ssl.SSLContext:
    """The Dask configuration's client TLS context, or why there is none."""
    from distributed.security import Security

    try:
        context = Security().get_connection_args("client")["ssl_context"]
    except (OSError, ValueError, ssl.SSLError) as exc:
        raise ClusterError(f"cannot use the Dask TLS certificates for {address}: {exc}") from exc
    if context is None:
        raise ClusterError(f"{address} needs TLS certificates: set distributed.comm.tls.ca-file, "
                           "distributed.comm.tls.client.cert and .key in the Dask configuration")
    return context


def _read_exactly(sock: socket.socket, count: int, deadline: float) -> bytes:
    """``count`` bytes from ``sock`` by ``deadline`` (``TimeoutError`` after it)."""
    chunks, missing = [], count
    while missing:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(min(missing, 65536))
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _is_handshake(body: bytes) -> bool:
    """Whether ``body`` is Dask frames whose first frame is a msgpack dict (never unpickled)."""
    import msgpack
    from distributed.protocol.utils import unpack_frames

    try:
        frames = unpack_frames(memoryview(body))
        info = msgpack.loads(bytes(frames[0]), raw=False, strict_map_key=False)
    except Exception:  # noqa: BLE001 - whatever a stranger sent, it is not a handshake
        return False
    return isinstance(info, dict) and "python" in info


def _describe(head: bytes) -> str:
    if head.startswith(b"HTTP") or head.split(b" ", 1)[0] in (b"GET", b"POST"):
        return "an HTTP answer"
    if head.startswith((b"\x15\x03", b"\x16\x03")):
        return "a TLS answer (try tls://)"
    return "something else"


def probe(address: str, timeout: float = PROBE_TIMEOUT) -> None:
    """Connect to ``address`` and check that a Dask scheduler answers, each step within
    ``timeout`` seconds; raise :class:`ClusterError` saying what went wrong."""
    scheme, hostport = address.split("://", 1)
    host, port = hostport.rsplit(":", 1)
    host = host.strip("[]")
    context = _tls_context(address) if scheme == "tls" else None
    where = f"the Dask scheduler at {address}"
    try:
        sock = socket.create_connection((host, int(port)), timeout=timeout)
    except TimeoutError:
        raise ClusterError(f"cannot reach {where}: no connection within {timeout:g} s") from None
    except OSError as exc:
        raise ClusterError(f"cannot reach {where}: {exc.strerror or exc}") from None
    try:
        if context is not None:
            sock = context.wrap_socket(sock, server_hostname=host if context.check_hostname
                                       else None)
        deadline = time.monotonic() + timeout
        head = _read_exactly(sock, 8, deadline)
        (length,) = struct.unpack("Q", head)
        if not 0 < length <= MAX_HANDSHAKE:
            raise ClusterError(f"{address} is not a Dask scheduler: it sent {_describe(head)} "
                               "instead of a Dask handshake")
        body = _read_exactly(sock, length, deadline)
        if not _is_handshake(body):
            raise ClusterError(f"{address} is not a Dask scheduler: its handshake is not Dask's")
        sock.sendall(head + body)  # the same handshake back: the scheduler logs no error
    except TimeoutError:
        raise ClusterError(f"{where} accepted the connection but sent no Dask handshake within "
                           f"{timeout:g} s (is it a Dask scheduler?)") from None
    except ssl.SSLError as exc:
        raise ClusterError(f"TLS with {where} failed: {exc.reason or exc}") from None
    except OSError as exc:
        raise ClusterError(f"{where} closed the connection during the handshake "
                           f"({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(OSError):
            sock.close()


def _discard(client: Any) -> None:
    """Mark a client closed and stop its event-loop thread, skipping the polite close (which
    waits for a scheduler that is not answering): ``__del__`` then has nothing left to do."""
    client.status = "closed"
    with contextlib.suppress(Exception):
        client._loop_runner.stop(timeout=CLOSE_TIMEOUT)


def close_client(client: Any) -> None:
    """Close ``client`` within :data:`CLOSE_TIMEOUT` seconds, else discard it; never raises."""
    with contextlib.suppress(Exception):
        client.close(timeout=CLOSE_TIMEOUT)
    if getattr(client, "status", "closed") != "closed":
        _discard(client)


def open_client(address: str, timeout: float) -> Any:
    """A ``distributed.Client`` on ``address`` (already checked by :func:`scheduler_address`),
    after :func:`probe`; within about ``timeout`` seconds, else :class:`ClusterError`."""
    distributed = distributed_module()
    probe(address, min(timeout, PROBE_TIMEOUT))

    class Client(distributed.Client):
        def __del__(self) -> None:  # a client that failed to start: no 20 s wait, no traceback
            if getattr(self, "status", "closed") != "closed":
                _discard(self)

    box: dict[str, Any] = {}
    lock = threading.Lock()

    def start() -> None:
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = exc
            return
        with lock:
            late = box.setdefault("client", client) is not client  # "client": None = gave up
        if late:
            close_client(client)

    thread = threading.Thread(target=start, name="segue-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + CLOSE_TIMEOUT)
    with lock:
        client = box.setdefault("client", None)
    if client is not None:
        return client
    error = box.get("error")
    if error is None:
        raise ClusterError(f"the Dask scheduler at {address} did not finish connecting within "
                           f"{timeout:g} s")
    if isinstance(error, TimeoutError):
        reason = f"no answer within {timeout:g} s"
    elif isinstance(error, MemoryError):
        reason = "it announced a message too big to receive"
    else:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    raise ClusterError(f"cannot connect to the Dask scheduler at {address}: {reason}") from None
