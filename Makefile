# The two commands in README.md: `make run` and `make test`. Everything else is a helper of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test venv system-packages lint bench clean translations

# The runtime venv: created or updated whenever pyproject.toml changes.
$(VENV)/.stamp-run: pyproject.toml
	@bash tools/ensure-system-packages.sh tools/apt/base.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	@touch $@

# The test venv adds the test extra on top of the runtime one.
$(VENV)/.stamp-test: $(VENV)/.stamp-run
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

venv: $(VENV)/.stamp-run

run: $(VENV)/.stamp-run
	@bash tools/ensure-system-packages.sh tools/apt/gui.txt
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(VENV)/bin/offramp-gui; \
	else \
		echo "No display found: running 'offramp scan' instead."; \
		echo "For the wizard, run 'make run' from a desktop session (or set DISPLAY)."; \
		$(VENV)/bin/offramp scan; rc=$$?; \
		[ $$rc -le 1 ] || exit $$rc; \
	fi

system-packages:
	@bash tools/ensure-system-packages.sh tools/apt/*.txt

# The gates come first, so a lint, format or type error fails `make test` (and CI) as a failing test does.
# pytest exits 5 when it collected nothing: treat that as a failure, never as a pass.
test: $(VENV)/.stamp-test system-packages
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/ruff format --check --quiet .
	@$(PY) packaging/layout.py >/dev/null  # build/importroot: app/ as `offramp`, the name mypy checks it under
	$(VENV)/bin/mypy
	@QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose" >&2; exit 1; fi; \
	exit $$rc

# Every message a person reads, from app/ and the shipped YAML, into resources/translations/offramp.pot; each
# language's .po brought up to date and compiled (tools/translations.py). NEW=de starts a new language.
translations: $(VENV)/.stamp-run
	$(PY) tools/translations.py $(if $(NEW),--new $(NEW))

bench: $(VENV)/.stamp-test
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis

# The frozen programs, dist/offramp/ (Offramp and offramp side by side), and dist/offramp_<version>_<arch>.deb.
# packaging/build.py installs PyInstaller and the build's Debian packages when they are missing; the packaging
# tests and CI run the same script.
.PHONY: dist smoke
dist: $(VENV)/.stamp-run
	$(PY) packaging/build.py

# Runs the built programs the way CI does on every OS (packaging/smoke.py).
smoke:
	$(PY) packaging/smoke.py

# The Windows bundle and installer, built on Linux under Wine: dist/windows/offramp/ and
# dist/windows/offramp-<version>-setup.exe (packaging/windows/build_windows.py; needs tools/apt/wine.txt and
# tools/apt/packaging-windows.txt, which it installs when run as root).
.PHONY: dist-windows
dist-windows: $(VENV)/.stamp-run
	$(PY) packaging/windows/build_windows.py
