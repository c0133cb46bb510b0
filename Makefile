# mirex: artist-label DCNN features for MIREX audio classification.
# `make install` builds .venv; `make test` runs the test suite; `make models`
# imports the published MSD artist models into models/.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The torch build to install. CPU wheel by default; users with a GPU set e.g.
#   make install TORCH_SPEC="torch==2.5.1 --index-url https://download.pytorch.org/whl/cu124"
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed
PRETRAINED_DIR ?= $(or $(MIREX_PRETRAINED_DIR),../shared/pretrained/msd-artist-siamese)

.PHONY: install test models clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH_SPEC)
	$(PY) -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

models: $(STAMP)
	$(PY) -m mirex fetch-models --from "$(PRETRAINED_DIR)"

clean:
	rm -rf $(VENV) features/* .pytest_cache
