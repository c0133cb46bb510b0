#!/usr/bin/env bash
# Stand-in for run_test.sh in tests. It labels a clip with the part of its file
# name before the first underscore, or, when trained with option mfcc (as in
# "--features mfcc"), with the first training label; option --drop-first (given
# to either script) leaves the first test clip out of the output.
set -eu
scratch=$1 test=$2 out=$3
shift 3
mode=name drop=0
for arg in "$@" $(cat "$scratch/options.txt"); do
    case $arg in
        mfcc) mode=first ;;
        --drop-first) drop=1 ;;
    esac
done
first=$(head -n 1 "$scratch/labels.txt")
n=0
while IFS= read -r path; do
    n=$((n + 1))
    if [ "$drop" = 1 ] && [ "$n" = 1 ]; then continue; fi
    base=$(basename "$path")
    if [ "$mode" = name ]; then label=${base%%_*}; else label=$first; fi
    printf '%s\t%s\n' "$path" "$label"
done < "$test" > "$out"
echo "labelled $n clips" >&2
