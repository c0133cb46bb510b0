#!/usr/bin/env bash
# Stand-in for run_train.sh in tests: remembers the training labels, groups and options.
# Option --fail makes it fail the way a real script reports a user error.
set -eu
scratch=$1 train=$2
shift 2
for arg in "$@"; do
    if [ "$arg" = --fail ]; then echo "fake failure on $train" >&2; exit 2; fi
done
test -d "$scratch"
cut -f2 "$train" | sort -u > "$scratch/labels.txt"
cut -f3 "$train" | sort -u > "$scratch/groups.txt"
printf '%s\n' "$@" > "$scratch/options.txt"
echo "trained on $(wc -l < "$train") clips" >&2
