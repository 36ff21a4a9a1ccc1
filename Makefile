# Segue — the two set-up commands: `make run` and `make test`.
# Everything else here is a step those two use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
RCC_OUT := app/resources_rc.py
ICONS  := $(wildcard assets/icons/*.svg)

.PHONY: run test install sysdeps resources lint bench clean package package-deps package-check install-desktop uninstall-desktop

## make run: create .venv, install, open Segue on the bundled defaults.
run: sysdeps install resources
	$(VENV)/bin/segue gui

## make test: system packages, .venv, JACK (dummy driver), the whole suite offscreen.
test: sysdeps install resources
	QT_QPA_PLATFORM=offscreen bash scripts/with-jack.sh $(PY) -m pytest -q

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,cluster]'
	touch $(STAMP)

sysdeps:
	bash scripts/system-deps.sh

## One command compiles the icons in resources.qrc into app/resources_rc.py.
resources: $(RCC_OUT)

$(RCC_OUT): resources.qrc $(ICONS) $(STAMP)
	$(VENV)/bin/pyside6-rcc resources.qrc -o $(RCC_OUT)

lint: install
	$(VENV)/bin/ruff check .

## make bench: every benchmark script at full size, with JACK running for the MIDI ones
## (`make test` runs each in quick mode: tests/test_bench_quick.py). The `bench` extra (hnswlib,
## built from source) is installed here only.
bench: sysdeps install resources
	$(PY) -c 'import hnswlib' 2>/dev/null || $(PY) -m pip install -q -e '.[dev,cluster,bench]'
	bash scripts/with-jack.sh bash -c 'for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done'

## make package: the one-folder bundle dist/segue (PyInstaller, slow; see packaging/README.md),
## then its size report (every folder over 10 MB and why; fails over the budget).
package: package-deps
	PY=$(PY) bash packaging/build-bundle.sh

## make package-deps: what `make package` needs installed (the `package` extra: PyInstaller).
package-deps: sysdeps install resources
	$(PY) -c 'import PyInstaller' 2>/dev/null || $(PY) -m pip install -q -e '.[package]'

## make package-check: every room from the bundle, clean SEGUE_HOME, no .venv on PATH; JACK (dummy
## driver) gives the synth an audio device; the window under Xvfb.
package-check: sysdeps
	bash scripts/with-jack.sh bash packaging/check-bundle.sh dist/segue

## make install-desktop / uninstall-desktop: the bundle, entry, icons, MIME for this user (XDG).
install-desktop: dist/segue/segue
	bash packaging/install-desktop.sh dist/segue

dist/segue/segue:
	$(MAKE) package

uninstall-desktop:
	bash packaging/uninstall-desktop.sh

clean:
	rm -rf $(VENV) $(RCC_OUT) .pytest_cache .ruff_cache build dist
