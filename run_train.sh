#!/bin/sh
# MIREX train call: run_train.sh SCRATCH TRAINLIST [-numThreads N] [options; see `mirex train -h`]
# POSIX sh. Runs the project's own Python and package wherever it is called from (through links too);
# the caller's PYTHONPATH, PYTHONHOME, user site-packages and working folder are never imported from.
self=$0
while [ -L "$self" ]; do
    link=$(readlink "$self") || break
    case $link in /*) self=$link ;; *) self=$(dirname "$self")/$link ;; esac
done
here=$(CDPATH= cd -- "$(dirname -- "$self")" && pwd -P) || exit 2
py=$here/.venv/bin/python; [ -x "$py" ] || py=python3
unset PYTHONHOME PYTHONSTARTUP PYTHONINSPECT
PYTHONPATH=$here PYTHONSAFEPATH=1 PYTHONNOUSERSITE=1 exec "$py" -m mirex train "$@"
