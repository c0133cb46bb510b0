#!/bin/sh
# MIREX train call: run_train.sh SCRATCH TRAINLIST [-numThreads N] [options; see `mirex train -h`]
# MIREX test call:  run_test.sh SCRATCH TESTLIST OUTPUT [-numThreads N] [options; see `mirex test -h`]
# (run_test.sh is a link to this script; the name it is called by, through any further links, picks the call.)
# POSIX sh. Runs the project's own Python and package wherever it is called from (through links too);
# the caller's PYTHONPATH, PYTHONHOME, user site-packages and working folder are never imported from.
self=$0 command=
while :; do
    case ${self##*/} in run_test.sh) command=${command:-test} ;; run_train.sh) command=${command:-train} ;; esac
    [ -L "$self" ] || break
    link=$(readlink "$self") || break
    case $link in /*) self=$link ;; *) self=$(dirname -- "$self")/$link ;; esac
done
here=$(CDPATH= cd -- "$(dirname -- "$self")" && pwd -P) || exit 2
py=$here/.venv/bin/python; [ -x "$py" ] || py=python3
unset PYTHONHOME PYTHONSTARTUP PYTHONINSPECT
# The checkout's models/ is searched first for bundle names (then the user's folder, then the shipped bundles).
MIREX_MODELS_DIR=${MIREX_MODELS_DIR:-$here/models} PYTHONPATH=$here PYTHONSAFEPATH=1 PYTHONNOUSERSITE=1 exec "$py" -m mirex "${command:-train}" "$@"
