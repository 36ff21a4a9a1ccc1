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


def test_meter_menu_lists_what_the_collection_holds(qtbot) -> None:
    controls = ComposerControls(["nottingham"])
    qtbot.addWidget(controls)
    meters = lambda: [controls.meter.itemText(i) for i in range(controls.meter.count())]  # noqa: E731
    assert meters()[0] == "4/4" and {"9/8", "3/2", "6/4"} <= set(meters())  # not yet known
    controls.meter.setCurrentText("9/8")
    controls.set_menus({"nottingham": ["2/4", "4/4", "3/4", "6/8", "9/8"], "slips": ["9/8", "3/2"]})
    assert meters() == ["4/4", "2/4", "3/4", "6/8", "9/8"] and controls.request().meter == "9/8"
    controls.collection.setCurrentText("slips")
    assert meters() == ["9/8", "3/2"] and controls.request().meter == "9/8"
    controls.meter.setCurrentText("3/2")
    controls.collection.setCurrentText("nottingham")
    assert controls.request().meter == "4/4"  # 3/2 is not offered there: the first meter is
