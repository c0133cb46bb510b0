"""One measurement in a fresh process, and the peak memory of a process tree.

Peak resident memory is the sum, over the measured process and every process
descending from it (if it starts any), of each one's peak resident
set (``VmHWM`` in ``/proc/PID/status``; the last value seen, sampled every
50 ms, so that a forked child counts from its ``exec``, not with the parent's
pages it shared for a moment). The process tree is read from all of
``/proc`` every 0.5 s, so the sampler takes about 2 % of one core from the
measurement.
Shared pages count once per process, so this is an upper bound of the
machine's peak; a flat figure means no process grows with the list.

Run as ``python -m mirex.bench.measure KIND LIST`` it is the measured child:
it loads the bundle and warms up (not timed: the baseline runs one clip, the
fast path one batch per thread, without the cache), then times song-feature
extraction of all the paths in LIST ``--repeats`` times (each time with a
cache of its own, cold) and prints one JSON line with the clips, the wall
seconds and CPU seconds (its own and its children's) of each run, and their
medians.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

__all__ = ["ProcessTreeMemory", "run_measured", "measure_extraction", "KINDS"]

#: What the child can time.
KINDS = ("fast", "baseline")
#: Clips per thread extracted before the fast path is timed (one batch each).
_WARM_CLIPS = 8


def _children():
    """Map parent pid -> child pids of every process visible in /proc."""
    tree = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _peak_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class ProcessTreeMemory:
    """Sample the peak resident memory of ``pid`` and its descendants in a thread.

    The peaks are read every ``interval`` seconds, the process tree every
    ``rescan`` seconds (a child that lives less long may be missed). Use as a
    context manager; :attr:`peak_mb` holds the result (MiB).
    """

    def __init__(self, pid, *, interval=0.05, rescan=0.5):
        self.pid, self.interval, self.rescan = pid, interval, rescan
        self.peaks = {}
        self._tree = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        todo = [self.pid]
        while todo:
            pid = todo.pop()
            todo.extend(self._tree.get(pid, ()))
            peak = _peak_kb(pid)
            if peak is not None:  # the latest value: VmHWM restarts when a forked child execs
                self.peaks[pid] = peak

    def _run(self):
        scanned = -self.rescan
        while not self._stop.is_set():
            if time.monotonic() - scanned >= self.rescan:  # reading all of /proc costs far more than the peaks
                self._tree, scanned = _children(), time.monotonic()
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self):
        """Sum of the per-process peaks seen, in MiB."""
        return sum(self.peaks.values()) / 1024


def run_measured(command, *, env=None, cwd=None):
    """Run ``command``; return (completed process, wall seconds, peak MiB of its tree)."""
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                          cwd=cwd) as proc:
        with ProcessTreeMemory(proc.pid) as memory:
            stdout, stderr = proc.communicate()
    done = subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
    return done, time.perf_counter() - start, memory.peak_mb


def measure_extraction(kind, *, list_file, n_jobs, features, cache_dir=None, device=None, repeats=1):
    """Time an extraction ``repeats`` times in one fresh process (the fast path on ``device`` when it is
    given, see :class:`mirex.features.FeaturePipeline`).

    This machine's speed may drift from one second to the next: the median of
    a few runs says more than one run.

    Returns
    -------
    dict
        ``clips``; ``runs``, the wall seconds of each run; ``seconds`` and
        ``cpu_seconds``, the medians over the runs; ``peak_mb`` of the whole
        process tree.
    """
    command = [sys.executable, "-m", "mirex.bench.measure", kind, str(list_file), "--jobs", str(n_jobs),
               "--features", features, "--repeats", str(repeats)]
    if cache_dir:
        command += ["--cache", str(cache_dir)]
    if device:
        command += ["--device", str(device)]
    done, _, peak = run_measured(command)
    if done.returncode != 0:
        raise RuntimeError(f"measurement {kind} failed:\n{done.stderr[-2000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "peak_mb": peak}


def _cpu_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _child(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mirex.bench.measure")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("list_file")
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("--cache")
    parser.add_argument("--features", required=True, help="feature system")
    parser.add_argument("--device", help="the fast path's front end and network on this torch device")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs (default 1)")
    args = parser.parse_args(argv)

    import numpy as np
    import torch

    from mirex.bench.baseline import baseline_features
    from mirex.cache import FeatureCache
    from mirex.extract import extract
    from mirex.features import feature_pipeline

    paths = Path(args.list_file).read_text(encoding="utf-8").splitlines()
    extractor = feature_pipeline(args.features, device=args.device)
    if args.kind == "fast":
        # One batch per thread first, not timed: the threads' memory and the network's kernels are set up.
        extract(paths[: _WARM_CLIPS * args.jobs], extractor=extractor, n_jobs=args.jobs)

        def run(number):
            cache = FeatureCache(Path(args.cache, f"run{number}")) if args.cache else None
            return extract(paths, extractor=extractor, cache=cache, n_jobs=args.jobs).features
    else:
        torch.set_num_threads(args.jobs)
        baseline_features(paths[:1], extractor=extractor)  # builds the Keras models

        def run(number):
            return baseline_features(paths, extractor=extractor)
    runs, cpus = [], []
    for number in range(args.repeats):
        cpu, start = _cpu_seconds(), time.perf_counter()
        features = run(number)
        runs.append(time.perf_counter() - start)
        cpus.append(_cpu_seconds() - cpu)
        assert np.isfinite(features).all(), "some clips failed"
    print(json.dumps({"clips": len(paths), "runs": runs, "seconds": statistics.median(runs),
                      "cpu_seconds": statistics.median(cpus)}))


if __name__ == "__main__":
    _child()
