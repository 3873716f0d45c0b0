# microgradx: every target sets itself up on a fresh machine (a .venv here, then the package with its extras).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip install --disable-pip-version-check -q -c constraints.txt
OUT    ?= out/demo

.PHONY: test lab demo bench notebooks lint clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e ".[test]"
	touch $(STAMP)

## test: unit tests, the lesson notebooks through nbval, and the real-browser test
test: $(STAMP)
	$(BIN)/ruff check microgradx widgets tests bench notebooks
	$(BIN)/python -m pytest

## lab: JupyterLab on the lessons
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

## demo: train the demo model headless and write its pictures to $(OUT)
demo: $(STAMP)
	$(BIN)/microgradx demo --out $(OUT)

## bench: benchmarks side by side with the peers; writes bench/RESULTS.md
bench: $(STAMP)
	$(PIP) "micrograd==0.1.0"
	$(BIN)/python -m bench

## notebooks: re-run every lesson on a fresh kernel and write its (byte-stable) outputs
notebooks: $(STAMP)
	$(BIN)/python notebooks/execute.py

lint: $(STAMP)
	$(BIN)/ruff check microgradx widgets tests bench notebooks

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis .ruff_cache
