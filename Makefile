# mirex: artist-label DCNN features for MIREX audio classification.
# `make install` builds .venv with the versions pinned in constraints.txt
# (`make lock` refreshes that file from .venv); `make test` runs the test suite; `make wheel-check`
# builds the wheel and smoke-tests it in a fresh virtual environment; `make docs` builds the HTML
# documentation (docs/_build/html); `make models`
# imports the published MSD artist models again into models/ and compares them with the
# bundles shipped inside the package; `make demo-data` renders
# the classical-composer demo dataset into data/composers/ (needs FluidSynth);
# `make evaluate` runs the MIREX-style leaderboard on it (and `make evaluate-metric`, the
# metric-learning comparison on its score tags); `make bench` measures
# feature-extraction speed and memory (results/bench.csv).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The torch build to install. CPU wheel by default; users with a GPU set e.g.
#   make install TORCH_SPEC="torch==2.5.1 --index-url https://download.pytorch.org/whl/cu124"
TORCH_SPEC ?= torch==2.13.0
# Every other package's version, resolved once (`make lock`), so that installs repeat.
# A torch build whose dependencies need other versions: make install CONSTRAINTS=
CONSTRAINTS ?= constraints.txt
PIP_INSTALL = $(if $(CONSTRAINTS),PIP_CONSTRAINT="$(abspath $(CONSTRAINTS))") $(PY) -m pip install --quiet
STAMP := $(VENV)/.installed
DEMO_DIR ?= data/composers
GAME_DIR ?= data/games
PRETRAINED_DIR ?= $(or $(MIREX_PRETRAINED_DIR),../shared/pretrained/msd-artist-siamese)

# Benchmark sizes (make bench BENCH_CLIPS=200 ...); BENCH_JOBS empty = all cores.
BENCH_CLIPS ?= 200
BENCH_BASELINE_CLIPS ?= 50
BENCH_MEM_CLIPS ?= 2000
BENCH_PROTOCOL_CLIPS ?= 1000
# Clips of the API and HEAR rows (held in memory as arrays), and of the timestamp rows.
BENCH_API_CLIPS ?= 100
BENCH_TIMESTAMP_CLIPS ?= 20
# Timed runs of each throughput measurement (the table gives the median run).
BENCH_REPEATS ?= 3
BENCH_JOBS ?=
# A torch device to time extraction on too (e.g. cuda); empty = none.
BENCH_DEVICE ?=
BENCH_DATA ?= results/bench-data
DIST ?= dist

# In the checkout, bundles of models/ come before the user's and the shipped ones, and the
# feature cache of `mirex embed`, `fit-lda` and `evaluate` is features/ (the scripts do the same).
export MIREX_MODELS_DIR ?= $(CURDIR)/models
export MIREX_FEATURE_CACHE ?= $(CURDIR)/features

.PHONY: install lock test docs wheel-check models demo-data game-data evaluate evaluate-metric bench clean

install: $(STAMP)

# The package's bytecode, written once: every run of the scripts is a new Python
# process, and one that may not write bytecode (PYTHONDONTWRITEBYTECODE) would
# otherwise compile the whole package again each time.
BYTECODE = $(PY) -m compileall -q mirex

# PIP_CONSTRAINT (unlike -c) also pins what pip installs to build the package (setuptools).
$(STAMP): pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip
	$(PIP_INSTALL) $(TORCH_SPEC)
	$(PIP_INSTALL) -e ".[test,dask,dev]"
	$(BYTECODE)
	touch $(STAMP)

# Pin what .venv holds now (pip and setuptools included; torch and the project itself not).
lock:
	test -x $(PY) || { echo "no $(VENV): run make install first" >&2; exit 2; }
	{ echo "# Versions make install uses (PIP_CONSTRAINT); refresh with make lock. torch: TORCH_SPEC in the Makefile."; \
	  $(PY) -m pip freeze --all --exclude-editable | grep -v -i -e '^torch==' -e '^mirex=='; } > constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt

# Debian packages that some tests use: FluidSynth and its soundfont render the composer set, Chromium
# loads the HTML reports headless. Installed here when run as root with apt-get; otherwise those tests
# are skipped, each naming the packages to install.
TEST_PACKAGES := fluidsynth fluid-soundfont-gm chromium
test-deps:
	@missing=$$(for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing" $$missing "(apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(STAMP) test-deps
	$(BYTECODE)
	$(PY) -m pytest -q

# The guides (docs/*.md) and the API reference from the docstrings, as HTML in docs/_build/html.
# Every warning fails the build (-W, all of them listed: --keep-going), and so does a cross-reference
# that does not resolve (-n); -E reads every page again, so that a rebuild reports them all too.
# The module pages are generated afresh, so that a module moved or removed leaves no stale page.
docs: $(STAMP)
	rm -rf docs/reference/generated
	$(PY) -m sphinx -b html -E -W --keep-going -n -q -d docs/_build/doctrees docs docs/_build/html

# The wheel and sdist (into $(DIST)), the wheel installed into a fresh virtual environment outside the
# checkout, and tests/installed_smoke.py run from an empty folder with an empty HOME.
wheel-check: $(STAMP)
	.ci/wheel-check $(PY) $(DIST) "$(TORCH_SPEC)" $(CONSTRAINTS)

models: $(STAMP)
	$(PY) -m mirex fetch-models --from "$(PRETRAINED_DIR)"

# FluidSynth and its General MIDI soundfont come from Debian; as root they are
# installed here, otherwise the build stops and says what to install.
SOUNDFONT := /usr/share/sounds/sf2/FluidR3_GM.sf2
demo-data: $(STAMP)
	@if ! command -v fluidsynth >/dev/null || [ ! -f $(SOUNDFONT) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update && apt-get install -y fluidsynth fluid-soundfont-gm; \
	  else \
	    echo "demo-data needs FluidSynth and its soundfont: run 'sudo apt-get install fluidsynth fluid-soundfont-gm'" >&2; \
	    exit 2; \
	  fi; \
	fi
	$(PY) -m mirex.datasets.composers --out $(DEMO_DIR)

# Artist identification on the music of Debian game packages (docs/games-dataset.md):
# apt-get download + dpkg-deb -x (no root needed), about 1.5 GB cached under
# $(GAME_DIR)/debs. Without apt-get it stops with exit status 2 and one line
# "error: no apt-get: ..." on stderr.
game-data: $(STAMP)
	$(PY) -m mirex.datasets.games --out $(GAME_DIR)

# The leaderboards: classification with every feature preset, with and without
# the task LDA, 3 folds with a work filter on the composer set and a track
# filter on the game-music set (accuracy by package too); tag classification
# on the composer set's score tags; similarity on both sets. Without apt-get,
# the composer set alone.
EVAL_ARGS ?=
TASK_SYSTEMS ?= hybrid multilevel paper mfcc
evaluate: demo-data
	$(BYTECODE)
	$(PY) -m mirex evaluate $(DEMO_DIR)/composers.txt --out results/composers $(EVAL_ARGS)
	$(PY) -m mirex.datasets.composer_tags --list $(DEMO_DIR)/composers.txt
	$(PY) -m mirex evaluate $(DEMO_DIR)/tags.txt --task tag --systems $(TASK_SYSTEMS) \
	  --out results/composers-tags $(EVAL_ARGS)
	$(PY) -m mirex evaluate $(DEMO_DIR)/composers.txt --task similarity --systems $(TASK_SYSTEMS) \
	  --out results/composers-similarity $(EVAL_ARGS)
	$(MAKE) --no-print-directory evaluate-metric
	@if command -v apt-get >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory game-data && \
	  $(PY) -m mirex evaluate $(GAME_DIR)/games.txt --out results/games \
	    --strata $(GAME_DIR)/games-clips.tsv package $(EVAL_ARGS) && \
	  $(PY) -m mirex evaluate $(GAME_DIR)/games.txt --task similarity --systems $(TASK_SYSTEMS) \
	    --out results/games-similarity $(EVAL_ARGS) && \
	  $(PY) -m mirex.datasets.games_tags --table $(GAME_DIR)/games-clips.tsv && \
	  $(PY) -m mirex evaluate $(GAME_DIR)/tags.txt --task metric --concepts $(GAME_DIR)/concepts.txt \
	    --out results/games-metric $(METRIC_ARGS); \
	else \
	  echo "make evaluate: no apt-get here, so no game-music set; the composer leaderboard above is the only one" >&2; \
	fi

# Metric learning against classification (docs/metric-learning.md): embedding heads on the default
# bundle's frozen features, trained by each objective with and without the concept sub-spaces, on the
# work-filtered folds of the composer set's score tags. The tag list and its concept table are written
# to $(METRIC_TAGS) and concepts.txt beside it. METRIC_ARGS: e.g. --epochs 40 --dim 128.
METRIC_TAGS ?= $(DEMO_DIR)/tags.txt
METRIC_ARGS ?=
evaluate-metric: $(STAMP)
	$(BYTECODE)
	$(PY) -m mirex.datasets.composer_tags --list $(DEMO_DIR)/composers.txt --out $(METRIC_TAGS)
	$(PY) -m mirex evaluate $(METRIC_TAGS) --task metric --concepts $(dir $(METRIC_TAGS))concepts.txt \
	  --out results/composers-metric $(METRIC_ARGS)

bench: $(STAMP)
	$(BYTECODE)
	$(PY) -m mirex.bench --clips $(BENCH_CLIPS) --baseline-clips $(BENCH_BASELINE_CLIPS) \
		--mem-clips $(BENCH_MEM_CLIPS) --protocol-clips $(BENCH_PROTOCOL_CLIPS) --repeats $(BENCH_REPEATS) \
		--api-clips $(BENCH_API_CLIPS) --timestamp-clips $(BENCH_TIMESTAMP_CLIPS) \
		--data $(BENCH_DATA) $(if $(BENCH_JOBS),--jobs $(BENCH_JOBS)) $(if $(BENCH_DEVICE),--device $(BENCH_DEVICE)) --out results/bench.csv

clean:
	rm -rf $(VENV) features/* .pytest_cache $(DIST) docs/_build docs/reference/generated
