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


def test_the_api_and_hear_paths_are_timed_in_one_process(tmp_path):
    from mirex.bench.api import LABELS, measure_api

    clips = make_clips(tmp_path / "clips", count=2, seconds=4.0)
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"{path}\n" for path, _ in clips), encoding="utf-8")
    result = measure_api(list_file=listing, n_jobs=1, features="hybrid", timestamp_clips=1, repeats=2)
    assert list(result["paths"]) == list(LABELS) and result["peak_mb"] > 100
    for name, timed in result["paths"].items():
        assert timed["clips"] == (1 if name in ("hear_timestamps", "by_window") else 2)
        assert len(timed["runs"]) == len(timed["cpu"]) == 2 and min(timed["runs"]) > 0


def test_api_rows_give_their_rate_over_embed_files(tmp_path, monkeypatch):
    import mirex.bench.__main__ as bench
    from mirex.bench.api import LABELS

    runs = {name: [4.0, 2.0, 8.0] if name == "embed_files" else [0.5, 1.0, 0.25] for name in LABELS}
    monkeypatch.setattr(bench, "measure_api", lambda **_: {
        "paths": {name: {"clips": 10, "runs": runs[name], "cpu": [1.0] * 3} for name in LABELS}, "peak_mb": 400.0})
    rows = bench._api(["clip.wav"] * 10, work=tmp_path, jobs=2, features="hybrid", device=None, repeats=3,
                      timestamp_clips=5)
    assert [row["measurement"] for row in rows] == list(LABELS.values())
    assert rows[0]["clips_per_s"] == 2.5 and rows[0]["vs_embed_files"] == 1.0  # the median run: 4 s
    assert rows[1]["clips_per_s"] == 20.0 and rows[1]["vs_embed_files"] == 8.0
    assert rows[1]["runs_clips_per_s"] == "20.0 10.0 40.0" and rows[1]["cpu_ms_per_clip"] == 100.0


def test_the_ivector_rows_give_each_steps_cpu_per_clip_beside_the_extraction(tmp_path):
    import mirex.bench.__main__ as bench
    from mirex.bench.ivector import LABELS

    clips = make_clips(tmp_path / "clips", count=3, seconds=4.0)
    rows = bench._ivector([path for path, _ in clips], features="hybrid")
    assert [row["measurement"] for row in rows[:3]] == [f"{label}, one thread" for label in LABELS.values()]
    assert rows[-1]["measurement"].startswith("i-vector at test time") and rows[-1]["clips"] == 3
    costs = [row["cpu_ms_per_clip"] for row in rows]
    assert all(ms > 0 for ms in costs) and costs[-1] == pytest.approx(costs[1] + costs[2], abs=0.2)


def test_the_system_rows_give_each_presets_test_time_cpu_per_clip(tmp_path):
    import mirex.bench.__main__ as bench
    from mirex.features import PRESETS

    clips = make_clips(tmp_path / "clips", count=2, seconds=4.0)
    rows = bench._systems([path for path, _ in clips])
    assert [row["measurement"] for row in rows] == [f"test-time extraction, {p}, one thread" for p in PRESETS]
    costs = dict(zip(PRESETS, (row["cpu_ms_per_clip"] for row in rows)))
    assert all(ms > 0 for ms in costs.values()) and costs["hybrid-ivector"] > costs["mfcc"]
