# Developer entry points. `make demo` and `make test` work on a fresh clone with Python 3.11;
# `make test` is what CI runs (.ci/run).

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test docs bench clean

venv: $(STAMP)

$(BIN)/python:
	@if command -v python3.11 >/dev/null 2>&1; then python3.11 -m venv $(VENV); \
	else python3 -m venv $(VENV); fi

# Redone only when pyproject.toml changes (or the venv is gone).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# The example web app on the SQLite demo database (examples/webapp/demo.db), demo roster loaded.
# It installs only what the app needs (the app extra), unless the full venv is there already.
DEMO_STAMP := $(VENV)/.demo-installed

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	@if [ ! -f $(STAMP) ] || [ pyproject.toml -nt $(STAMP) ]; then \
		$(BIN)/python -m pip install --quiet -e '.[app]'; fi
	@touch $@

demo: $(DEMO_STAMP)
	$(BIN)/python examples/webapp/app.py

test: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The documentation site, built strictly (a broken link fails), into site/ (CI builds it too).
docs: venv
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --site-dir site

# The benchmark suite at full size (see docs/performance.md; --size small for a quicker run).
bench: venv
	$(BIN)/python -m benchmarks --size full --markdown benchmarks/last-run.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist site
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
