#!/usr/bin/env bash
# MIREX train call: run_train.sh SCRATCH TRAINLIST [-numThreads N] [options; see `mirex train -h`]
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$here/.venv/bin/python"; [ -x "$py" ] || py=python3
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" exec "$py" -m mirex train "$@"
