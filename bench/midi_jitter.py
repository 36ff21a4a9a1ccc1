"""Benchmark: MIDI send timing of the Segue scheduler vs a naive ``time.sleep`` scheduler.

Sends ``--events`` note events (default 1,000) at ``--spacing-ms`` (default 10 ms) into JACK
virtual ports that input ports of this process record:
- Segue's player (the scheduler in its own process, as the Composer panel plays MIDI out), idle
  and while a CPU-heavy Python + torch thread runs in this process (the GIL is the enemy);
- the same scheduler as a thread of this process, under the same load (for comparison);
- naive scheduler (``time.sleep(due - now)`` then send), idle and under the same load.
Figures: send lateness = actual send time − scheduled (monotonic clock), and loopback jitter =
|arrival − scheduled − median latency| through JACK (arrival stamped by the backend's clock;
JACK delivers MIDI once per process cycle, 64 frames at 48 kHz = 1.33 ms).
Goals (issue 4): send_p99_ms ≤ 0.5, send_p99_ms_under_load ≤ 1.0, loopback_jitter_p99_ms ≤ 2.0.
Starts ``jackd --no-realtime -d dummy -r 48000 -p 64`` if no JACK server runs, stops it after.
The last line printed is one JSON object. Usage: python bench/midi_jitter.py [--json] [--quick]
``--quick`` (or ``SEGUE_BENCH_QUICK=1``): 100 events, a few seconds (``make test`` runs it, with
its JACK server, so the script never rots; its figures mean little).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.playback import ports  # noqa: E402
from engine.playback.events import Event  # noqa: E402
from engine.playback.player_process import PlayerProcess  # noqa: E402
from engine.playback.scheduler import Scheduler  # noqa: E402


def make_events(count: int, spacing: float) -> list[Event]:
    """``count`` unique note events (on/off pairs) ``spacing`` seconds apart."""
    events = []
    for i in range(count):
        note = i // 2
        pitch, code = 36 + note % 60, 1 + note // 60  # (pitch, velocity) identifies the event
        status = 0x90 if i % 2 == 0 else 0x80
        events.append(Event(i * spacing, (status, pitch, code)))
    return events


def naive_play(port: ports.OutputPort, events: list[Event], start: float) -> list[tuple]:
    """The scheduler everyone writes first: sleep until due, then send."""
    sent = []
    for event in events:
        due = start + event.time
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent_at = time.monotonic()
        port.send(event.message)
        sent.append((due, sent_at))
    return sent


def cpu_load(stop: threading.Event) -> None:
    """Python bytecode + torch work, as when the engine composes or trains during playback."""
    import torch

    torch.set_num_threads(1)
    weights = torch.randn(128, 128)
    while not stop.is_set():
        total = 0
        for i in range(20_000):  # pure Python: holds the GIL between bytecodes
            total += i * i % 7
        x = torch.randn(64, 128)
        for _ in range(5):  # torch: releases the GIL inside each op
            x = torch.tanh(x @ weights)


class Loopback:
    """Records arrivals on an input port listening to the bench's virtual output."""

    def __init__(self, port_name: str) -> None:
        self.arrivals: dict[tuple[int, ...], float] = {}
        self.port = ports.open_input(port_name, self._on_message, client_name="Segue-bench-in")

    def _on_message(self, message: list[int], arrival: float) -> None:
        self.arrivals[tuple(message)] = arrival

    def close(self) -> None:
        """Close the input port."""
        self.port.close()


def run(kind: str, port: ports.OutputPort | PlayerProcess, events: list[Event], load: bool,
        loopback: Loopback) -> dict:
    """One run of ``kind`` ("segue" | "thread" | "naive"); returns lateness and loopback in ms."""
    stop = threading.Event()
    loader = threading.Thread(target=cpu_load, args=(stop,), daemon=True)
    if load:
        loader.start()
        time.sleep(0.5)
    loopback.arrivals.clear()
    try:
        if kind == "segue":
            port.play(events, start_delay=0.1)
            port.wait()
            sent = port.sent
        elif kind == "thread":
            scheduler = Scheduler(port, record=True)
            scheduler.play(events, start_delay=0.1)
            scheduler.wait()
            sent = scheduler.sent
        else:
            sent = naive_play(port, events, time.monotonic() + 0.1)
    finally:
        stop.set()
        if load:
            loader.join()
    time.sleep(0.2)
    late = np.array([actual - due for due, actual in sent]) * 1000
    latency = np.array([loopback.arrivals[e.message] - due for e, (due, _) in zip(events, sent, strict=True)
                        if e.message in loopback.arrivals]) * 1000
    jitter = np.abs(latency - np.median(latency)) if len(latency) else np.array([np.nan])
    return {"send_p50_ms": float(np.percentile(late, 50)),
            "send_p99_ms": float(np.percentile(late, 99)), "send_max_ms": float(late.max()),
            "loopback_jitter_p99_ms": float(np.percentile(jitter, 99)),
            "received": int(len(latency)), "sent": len(sent)}


def ensure_jack() -> subprocess.Popen | None:
    """Start a dummy-driver JACK server if none runs; return it (to stop later) or None."""
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    os.environ.setdefault("JACK_NO_AUDIO_RESERVATION", "1")
    if subprocess.run(["jack_lsp"], capture_output=True).returncode == 0:
        return None
    for realtime in (["--realtime"], ["--no-realtime"]):  # real-time when the system allows it
        server = subprocess.Popen(["jackd", *realtime, "-d", "dummy", "-r", "48000", "-p", "64"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            if subprocess.run(["jack_lsp"], capture_output=True).returncode == 0:
                print(f"started jackd {realtime[0]} -d dummy -r 48000 -p 64", file=sys.stderr)
                return server
            if server.poll() is not None:
                break
            time.sleep(0.1)
        server.terminate()
        server.wait()
    raise SystemExit("midi_jitter: no JACK server and jackd did not start")


def jackd_realtime() -> bool | None:
    """Tell whether a running jackd has a real-time thread (Linux /proc); None if unknown."""
    proc = Path("/proc")
    for comm in proc.glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() != "jackd":
                continue
            for stat in (comm.parent / "task").glob("*/stat"):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[38]) in (1, 2):  # policy: SCHED_FIFO or SCHED_RR
                    return True
            return False
        except (OSError, ValueError, IndexError):
            continue
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the four measurements and print them; the last line is one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--spacing-ms", type=float, default=10.0)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    parser.add_argument("--quick", action="store_true", help="100 events, a few seconds")
    args = parser.parse_args(argv)
    if args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0"):
        args.events = min(args.events, 100)
    server = ensure_jack()
    realtime = jackd_realtime()
    player = PlayerProcess(virtual="Segue-bench-player", client_name="Segue-bench-player",
                           record=True)
    port = ports.open_virtual_output("Segue-bench", client_name="Segue-bench")
    player_loopback = Loopback(player.name)
    loopback = Loopback("Segue-bench:Segue-bench")
    time.sleep(0.2)
    events = make_events(args.events, args.spacing_ms / 1000)
    results = {}
    try:
        for name, kind, load in (("segue_idle", "segue", False), ("segue_load", "segue", True),
                                 ("thread_load", "thread", True),
                                 ("naive_idle", "naive", False), ("naive_load", "naive", True)):
            out, back = (player, player_loopback) if kind == "segue" else (port, loopback)
            results[name] = run(kind, out, events, load, back)
            if not args.json:
                r = results[name]
                print(f"{name:11s} send p50 {r['send_p50_ms']:6.3f} ms  p99 {r['send_p99_ms']:6.3f}"
                      f" ms  max {r['send_max_ms']:7.3f} ms  loopback jitter p99 "
                      f"{r['loopback_jitter_p99_ms']:6.3f} ms  received {r['received']}/"
                      f"{r['sent']}", flush=True)
    finally:
        loopback.close()
        player_loopback.close()
        port.close()
        player.close()
        if server is not None:
            server.terminate()
            server.wait()
    summary = {
        "send_p99_ms": round(results["segue_idle"]["send_p99_ms"], 3),
        "send_p99_ms_under_load": round(results["segue_load"]["send_p99_ms"], 3),
        "naive_send_p99_ms_under_load": round(results["naive_load"]["send_p99_ms"], 3),
        "loopback_jitter_p99_ms": round(results["segue_idle"]["loopback_jitter_p99_ms"], 3),
        "loopback_jitter_p99_ms_under_load":
            round(results["segue_load"]["loopback_jitter_p99_ms"], 3),
        "thread_send_p99_ms_under_load": round(results["thread_load"]["send_p99_ms"], 3),
        "naive_send_p99_ms": round(results["naive_idle"]["send_p99_ms"], 3),
        "naive_loopback_jitter_p99_ms_under_load":
            round(results["naive_load"]["loopback_jitter_p99_ms"], 3),
        "events": args.events, "spacing_ms": args.spacing_ms,
        "received": {k: v["received"] for k, v in results.items()},
        "cpus": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2),
        "jackd_realtime": realtime,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
