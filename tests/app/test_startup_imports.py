"""The window opens first; models, SQLAlchemy and torch load behind it on worker threads.

No timing assertions here (bench/startup.py measures): these tests pin what makes the window
quick — which modules building it must not import — and that a Compose asked for while the
composer still loads waits for it on the engine lane instead of failing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.main_window import MainWindow
from engine.paths import prepare_home
from tests.app.jobwait import wait_job

HEAVY = ("torch", "sqlalchemy", "alembic", "pretty_midi", "mido", "librosa", "sklearn", "scipy",
         "sounddevice", "numpy")  # numpy: ~0.1 s of OpenBLAS start-up


def test_importing_the_window_leaves_heavy_modules_to_the_workers(tmp_path: Path) -> None:
    code = ("import sys\nimport app.main_window\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), flush=True)\n")
    env = {**os.environ, "SEGUE_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_instrument_menus_name_the_engines_programs() -> None:
    from app.widgets.gm_programs import GM_PROGRAM_NAMES
    from engine.playback.synth import gm_program_names

    assert list(GM_PROGRAM_NAMES) == gm_program_names()


def test_the_library_transport_knows_the_players_states() -> None:
    from app.widgets import library_transport
    from engine.library import player

    for state in ("STOPPED", "PLAYING", "PAUSED", "ENDED"):
        assert getattr(library_transport, state) == getattr(player, state)


def test_compose_asked_while_the_composer_loads_waits_for_it(qtbot, tiny_model: Path) -> None:
    window = MainWindow(prepare_home())
    qtbot.addWidget(window)
    window.show()
    composer = window.panel("composer_panel")
    order: list[str] = []
    composer.controls.length.setValue(3)
    window.load_behind()  # as app.main does once the window shows
    preload = composer._preload_job
    preload.finished.connect(lambda: order.append("loaded"))
    job = composer.compose()  # at once: the engine lane is still loading
    assert job is not None
    job.started.connect(lambda: order.append("compose started"))
    wait_job(qtbot, job)
    assert composer.state is not None and len(composer.state.chain.items) == 3
    assert order == ["loaded", "compose started"]
    assert composer.controls.collection.findText("nottingham") >= 0
    window.project.discard_and_close()
