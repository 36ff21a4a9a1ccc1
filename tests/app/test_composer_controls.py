"""The Composer's meter and major/minor choices: keys list only what the composer can write."""

from __future__ import annotations

from app.widgets.composer_controls import MAJOR_KEYS, MINOR_KEYS, ComposerControls


def test_meter_and_minor_reach_the_request(qtbot) -> None:
    controls = ComposerControls(["nottingham"])
    qtbot.addWidget(controls)
    keys = lambda: [controls.key.itemText(i) for i in range(controls.key.count())]  # noqa: E731
    assert keys() == MAJOR_KEYS
    controls.key.setCurrentText("D")
    controls.tonality.setCurrentText("minor")
    assert keys() == MINOR_KEYS and all(k.endswith("m") for k in keys())
    controls.meter.setCurrentText("6/8")
    request = controls.request()
    assert request.meter == "6/8" and request.key == MINOR_KEYS[MAJOR_KEYS.index("D")]
    controls.tonality.setCurrentText("major")
    assert controls.request().key == "D"
