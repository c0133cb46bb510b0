"""The benchmark's measuring parts: the memory sampler and the measured child."""
import sys

import numpy as np
import pytest

from mirex.bench.data import make_clips
from mirex.bench.measure import measure_extraction, run_measured

ALLOCATE = "import time; block = bytearray(150 << 20); block[::4096] = b'x' * len(block[::4096]); time.sleep(1)"


def test_peak_memory_counts_a_grandchild():
    # sh -> python: the python process is a grandchild that starts after the first scan of the tree.
    done, seconds, peak = run_measured(["sh", "-c", f"sleep 0.7; {sys.executable} -c \"{ALLOCATE}\""])
    assert done.returncode == 0 and seconds >= 1.7
    assert peak >= 150


def test_peak_memory_of_a_small_process_is_small():
    done, _, peak = run_measured(["sleep", "0.3"])
    assert done.returncode == 0 and 0 < peak < 50


def test_measured_extraction_times_every_clip_after_the_warm_up(tmp_path):
    clips = make_clips(tmp_path / "clips", count=3, seconds=4.0)
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"{path}\n" for path, _ in clips), encoding="utf-8")
    for cache in (None, tmp_path / "cache"):
        result = measure_extraction("fast", list_file=listing, n_jobs=1, features="hybrid", cache_dir=cache,
                                    repeats=2)
        assert result["clips"] == 3 and len(result["runs"]) == 2 and result["cpu_seconds"] > 0
        assert result["seconds"] == pytest.approx(sum(result["runs"]) / 2)  # the median of two
        assert np.isfinite(result["peak_mb"]) and result["peak_mb"] > 100  # Python, torch and the bundle
    for run in ("run0", "run1"):  # each run starts cold: 3 clips, a network and a timbre pass each
        assert len(list((tmp_path / "cache" / run).rglob("*.npy"))) == 6


def test_measured_extraction_on_a_torch_device(tmp_path):
    clips = make_clips(tmp_path / "clips", count=2, seconds=4.0)
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"{path}\n" for path, _ in clips), encoding="utf-8")
    result = measure_extraction("fast", list_file=listing, n_jobs=1, features="hybrid", device="cpu")
    assert result["clips"] == 2 and result["seconds"] > 0
    with pytest.raises(RuntimeError, match="nowhere"):  # the child's own error, passed on
        measure_extraction("fast", list_file=listing, n_jobs=1, features="hybrid", device="nowhere")


@pytest.mark.skipif(not hasattr(__import__("os"), "sched_setaffinity"), reason="threads are bound to cores on Linux only")
def test_core_speeds_time_each_core_and_leave_the_caller_unbound():
    import os

    from mirex.bench.cores import core_speeds

    allowed = os.sched_getaffinity(0)
    speeds = core_speeds(repeats=1)
    assert set(speeds) == allowed and all(0 < ms < 10_000 for ms in speeds.values())
    assert os.sched_getaffinity(0) == allowed  # only the timing threads were bound
