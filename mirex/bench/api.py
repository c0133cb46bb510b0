"""The Python API and the HEAR module beside ``embed_files``, on the same clips, in one process.

Run as ``python -m mirex.bench.api LIST`` it is the measured child: it
loads the extractor and the HEAR model, decodes the clips into float32
arrays (not timed) and warms every path up on a few of them, then times, in
turn and ``--repeats`` times (so that the machine's changing speed touches
all alike):

- ``embed_files`` of the paths, no cache (the scripts' path);
- ``embed_batch`` of the arrays;
- ``embed`` of one array at a time;
- the HEAR scene embeddings of all the arrays (one tensor);
- the HEAR timestamp embeddings of the first ``--timestamp-clips``, from
  one pass of the network (:mod:`mirex.sliding`), and the same windows the
  way they were computed before it (:func:`windows_one_by_one`, the
  yardstick).

It prints one JSON line: for each, the clips and the wall and CPU seconds
of each run.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from mirex.frontends.segments import centred

__all__ = ["measure_api", "windows_one_by_one", "LABELS"]

#: What the child times, and the label of its row.
LABELS = {
    "embed_files": "API embed_files, no cache",
    "embed_batch": "API embed_batch (float32 arrays)",
    "embed": "API embed, one array at a time",
    "hear_scene": "HEAR scene embeddings",
    "hear_timestamps": "HEAR timestamps, one pass",
    "by_window": "timestamps window by window",
}


def windows_one_by_one(extractor, y, *, step, length):
    """What ``extractor.windows`` gives, with the network called on each window cut from the log-mel.

    Parameters
    ----------
    extractor : mirex.features.FeaturePipeline
    y : np.ndarray
        One mono signal at ``extractor.sr``.
    step, length : int

    Returns
    -------
    np.ndarray, float32, shape (n_windows, 2, sum of block widths)
    """
    x = centred(extractor.logmel(y), frontend=extractor.frontend, length=length)
    return extractor.network.forward(x.unfold(0, length, step).transpose(1, 2).contiguous()).cpu().numpy()


def measure_api(*, list_file, n_jobs, features, timestamp_clips, repeats=1, device=None):
    """Time the API and HEAR paths on the clips of ``list_file`` in one fresh process.

    Returns
    -------
    dict
        ``paths``: name (a key of :data:`LABELS`) -> ``{"clips", "runs",
        "cpu"}`` (wall and CPU seconds of each run); ``peak_mb`` of the
        whole process.
    """
    from mirex.bench.measure import run_measured

    command = [sys.executable, "-m", "mirex.bench.api", str(list_file), "--jobs", str(n_jobs), "--features", features,
               "--timestamp-clips", str(timestamp_clips), "--repeats", str(repeats)]
    if device:
        command += ["--device", str(device)]
    done, _, peak = run_measured(command)
    if done.returncode != 0:
        raise RuntimeError(f"measurement of the API failed:\n{done.stderr[-2000:]}")
    return {"paths": json.loads(done.stdout.strip().splitlines()[-1]), "peak_mb": peak}


def _cpu_seconds():
    t = os.times()
    return t.user + t.system


def _child(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mirex.bench.api")
    parser.add_argument("list_file")
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("--features", required=True, help="feature system of the API rows")
    parser.add_argument("--timestamp-clips", type=int, required=True)
    parser.add_argument("--device", default="cpu", help="the API's and the HEAR model's torch device")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)

    import soundfile as sf
    import torch

    import mirex
    from mirex import hear
    from mirex.features import feature_pipeline

    paths = Path(args.list_file).read_text(encoding="utf-8").splitlines()
    signals = [sf.read(path, dtype="float32")[0] for path in paths]
    sounds = torch.from_numpy(np.stack(signals)).to(args.device)  # HEAR: one tensor
    extractor = mirex.load_extractor(args.features, device=args.device)
    model = hear.load_model().to(args.device)
    by_window = feature_pipeline(hear.load_model().spec, device=None if args.device == "cpu" else args.device)
    length, sr, few = by_window.frontend.segment_frames, extractor.sr, min(len(paths), 2)
    work = {
        "embed_files": (len(paths), lambda n: extractor.embed_files(paths[:n], cache=False, n_jobs=args.jobs)),
        "embed_batch": (len(paths), lambda n: extractor.embed_batch(signals[:n], sr, n_jobs=args.jobs)),
        "embed": (len(paths), lambda n: [extractor.embed(y, sr) for y in signals[:n]]),
        "hear_scene": (len(paths), lambda n: hear.get_scene_embeddings(sounds[:n], model)),
        "hear_timestamps": (args.timestamp_clips, lambda n: hear.get_timestamp_embeddings(sounds[:n], model)),
        "by_window": (args.timestamp_clips, lambda n: [windows_one_by_one(by_window, y, step=hear.TIMESTAMP_STEP,
                                                                          length=length) for y in signals[:n]]),
    }
    for _, run in work.values():  # warm up: threads' memory, the network's kernels
        run(few)
    results = {name: {"clips": clips, "runs": [], "cpu": []} for name, (clips, _) in work.items()}
    for _ in range(args.repeats):
        for name, (clips, run) in work.items():
            cpu, start = _cpu_seconds(), time.perf_counter()
            run(clips)
            results[name]["runs"].append(time.perf_counter() - start)
            results[name]["cpu"].append(_cpu_seconds() - cpu)
    print(json.dumps(results))


if __name__ == "__main__":
    _child()
