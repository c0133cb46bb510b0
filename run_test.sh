#!/usr/bin/env bash
# MIREX test call: run_test.sh SCRATCH TESTLIST OUTPUT [-numThreads N] [options; see `mirex test -h`]
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$here/.venv/bin/python"; [ -x "$py" ] || py=python3
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" exec "$py" -m mirex test "$@"
