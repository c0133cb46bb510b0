"""``python -m mirex.bench``: the benchmark behind ``make bench``.

Measurements, each in a fresh process (see :mod:`mirex.bench.measure`):

1. the baseline (:mod:`mirex.bench.baseline`) on ``--baseline-clips`` clips;
2. :func:`mirex.extract.extract` of the ``--features`` system (default: the
   default preset) on ``--clips``
   clips, cache disabled, then with a cold cache; with ``--device`` (e.g.
   cuda) also with the front end and the network on that device, no cache;
   these and the baseline run ``--repeats`` times in their process, and
   their row gives the median run (the rate of each run beside it);
3. the same with a cold cache on ``--mem-clips`` clips, once (memory must
   stay flat);
4. ``run_train.sh`` and ``run_test.sh`` over a ``--folds``-fold split of
   ``--protocol-clips`` clips, one scratch folder (features cached after the
   first fold);
5. the Python API and the HEAR module beside ``embed_files`` on
   ``--api-clips`` clips, all in one process, in turn (:mod:`mirex.bench.api`):
   ``embed_batch`` and ``embed`` of the clips as float32 arrays, the HEAR
   scene embeddings, and the HEAR timestamp embeddings of
   ``--timestamp-clips`` clips, in one pass and window by window; each row
   gives its rate over ``embed_files``'s (vs_embed_files);
6. the CPU cost of each stage (:mod:`mirex.bench.stages`);
7. the CPU cost per clip of the i-vector at test time (frames, statistics,
   i-vector) beside today's extraction of ``--features``, one thread, on
   ``--ivector-clips`` clips (:mod:`mirex.bench.ivector`), and the
   test-time extraction of every preset on the same clips.

Prints a table and writes it to ``--out`` (CSV), the stage costs beside it
(``*-stages.csv``). Each extraction row gives the load average and the
fastest and slowest core's time for a fixed loop just before it
(:mod:`mirex.bench.cores`: on a virtual machine the cores' speed changes with
the host's load).
"""
import argparse
import csv
import datetime
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from mirex.bench.api import LABELS, measure_api
from mirex.bench.cores import core_speeds
from mirex.bench.data import make_clips
from mirex.bench.measure import measure_extraction, run_measured
from mirex.features import DEFAULT_PRESET
from mirex.threads import default_jobs

ROOT = Path(__file__).resolve().parent.parent.parent
COLUMNS = ("measurement", "clips", "jobs", "wall_s", "clips_per_s", "cpu_ms_per_clip", "peak_rss_mb",
           "speedup_vs_baseline", "vs_embed_files", "runs_clips_per_s", "load1", "core_ms", "date")


def _parser():
    parser = argparse.ArgumentParser(prog="python -m mirex.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=200, help="clips of the throughput runs (default 200)")
    parser.add_argument("--baseline-clips", type=int, default=50,
                        help="clips of the baseline run (default 50: it is slow; rates compare per clip)")
    parser.add_argument("--mem-clips", type=int, default=2000, help="clips of the memory run (default 2000)")
    parser.add_argument("--protocol-clips", type=int, default=1000, help="clips of the train/test run (default 1000)")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--api-clips", type=int, default=100,
                        help="clips of the API and HEAR rows (default 100; held in memory as float32 arrays)")
    parser.add_argument("--timestamp-clips", type=int, default=20,
                        help="clips of the HEAR timestamp rows (default 20)")
    parser.add_argument("--stage-clips", type=int, default=32, help="clips of the per-stage profile (default 32)")
    parser.add_argument("--ivector-clips", type=int, default=16,
                        help="clips of the i-vector's CPU cost beside the extraction's (default 16)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed runs of each throughput measurement; rows give the median (default 3)")
    parser.add_argument("--jobs", type=int, default=None, help="cores to use (default: all)")
    parser.add_argument("--device", help="also time extraction with the front end and network on this torch "
                                         "device (e.g. cuda), no cache")
    parser.add_argument("--features", default=DEFAULT_PRESET, metavar="SPEC",
                        help=f"feature system to measure (default: {DEFAULT_PRESET})")
    parser.add_argument("--data", default=str(ROOT / "results" / "bench-data"), help="folder of the cached clips")
    parser.add_argument("--out", default=str(ROOT / "results" / "bench.csv"))
    return parser


def _write_list(path, lines):
    Path(path).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def _row(measurement, *, clips, jobs, seconds, peak_mb, load, cpu_seconds=None, runs=(), cores=None):
    return {
        "measurement": measurement, "clips": clips, "jobs": jobs, "wall_s": round(seconds, 2),
        "clips_per_s": round(clips / seconds, 1),
        "cpu_ms_per_clip": None if cpu_seconds is None else round(1000 * cpu_seconds / clips, 1),
        "peak_rss_mb": round(peak_mb), "speedup_vs_baseline": None, "vs_embed_files": None,
        "runs_clips_per_s": " ".join(f"{clips / run:.1f}" for run in runs) if len(runs) > 1 else None,
        "load1": round(load, 2), "core_ms": f"{min(cores.values()):.1f}-{max(cores.values()):.1f}" if cores else None,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
    }


def _extraction(name, kind, paths, *, work, jobs, cache, features, device=None, repeats=1):
    list_file = _write_list(Path(work) / f"{name}.txt", paths)
    cache_dir = Path(work) / f"cache-{name}" if cache else None
    load, cores = os.getloadavg()[0], core_speeds()
    result = measure_extraction(kind, list_file=list_file, n_jobs=jobs, cache_dir=cache_dir, features=features,
                                device=device, repeats=repeats)
    if cache_dir:
        shutil.rmtree(cache_dir, ignore_errors=True)
    label = {"baseline": "baseline: librosa + Keras per clip", "fast": "extract()"}[kind]
    label += f" on {device}" if device else ""
    label += "" if kind == "baseline" else (", cold cache" if cache else ", no cache")
    return _row(label, clips=result["clips"], jobs=jobs, seconds=result["seconds"], peak_mb=result["peak_mb"],
                load=load, cpu_seconds=result["cpu_seconds"], runs=result["runs"], cores=cores)


def _api(paths, *, work, jobs, features, device, repeats, timestamp_clips):
    """The API and HEAR rows (:mod:`mirex.bench.api`), each with its rate over embed_files's."""
    list_file = _write_list(Path(work) / "api.txt", paths)
    load, cores = os.getloadavg()[0], core_speeds()
    result = measure_api(list_file=list_file, n_jobs=jobs, features=features, device=device, repeats=repeats,
                         timestamp_clips=min(timestamp_clips, len(paths)))
    rows = []
    for name, label in LABELS.items():
        timed = result["paths"][name]
        rows.append(_row(label + (f" on {device}" if device else ""), clips=timed["clips"], jobs=jobs,
                         seconds=statistics.median(timed["runs"]), peak_mb=result["peak_mb"], load=load,
                         cpu_seconds=statistics.median(timed["cpu"]), runs=timed["runs"], cores=cores))
        rows[-1]["vs_embed_files"] = round(rows[-1]["clips_per_s"] / rows[0]["clips_per_s"], 2)
    return rows


def _protocol(clips, *, folds, work, jobs, features):
    """Train/test calls over ``folds`` folds, one scratch folder; rows and accuracy per fold."""
    scratch, rows, correct = Path(work) / "scratch", [], 0
    for fold in range(folds):
        test = [c for i, c in enumerate(clips) if i % folds == fold]
        train = [c for i, c in enumerate(clips) if i % folds != fold]
        train_list = _write_list(Path(work) / f"train{fold}.txt", [f"{p}\t{label}" for p, label in train])
        test_list = _write_list(Path(work) / f"test{fold}.txt", [p for p, _ in test])
        output = Path(work) / f"out{fold}.txt"
        for script, args, count in (("run_train.sh", [train_list], len(train)),
                                    ("run_test.sh", [test_list, output], len(test))):
            load = os.getloadavg()[0]
            extra = ["--features", features] if script == "run_train.sh" else []
            done, seconds, peak = run_measured([str(ROOT / script), str(scratch), *map(str, args),
                                                "-numThreads", str(jobs), "--quiet", *extra])
            if done.returncode != 0:
                raise RuntimeError(f"{script} failed:\n{done.stderr[-2000:]}")
            rows.append(_row(f"{script} fold {fold + 1}", clips=count, jobs=jobs, seconds=seconds, peak_mb=peak,
                             load=load))
        predicted = dict(line.split("\t") for line in output.read_text(encoding="utf-8").splitlines())
        correct += sum(predicted[p] == label for p, label in test)
    total = sum(r["wall_s"] for r in rows)
    rows.append({**_row(f"train + test, {folds} folds", clips=len(clips), jobs=jobs, seconds=total,
                        peak_mb=max(r["peak_rss_mb"] for r in rows), load=os.getloadavg()[0]),
                 "clips_per_s": None})
    return rows, correct / len(clips)


def _ivector(paths, *, features):
    """Rows of today's extraction and of the i-vector at test time: CPU milliseconds per clip, one thread."""
    from mirex.bench.ivector import LABELS, ivector_costs

    load, cores = os.getloadavg()[0], core_speeds()
    costs = ivector_costs(paths, features=features)
    costs["total"] = costs["frames"] + costs["ivector"]
    labels = {**LABELS, "total": "i-vector at test time (frames, statistics, i-vector)"}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this process's, which ran them
    return [_row(f"{labels[name]}, one thread", clips=len(paths), jobs=1, seconds=ms * len(paths) / 1000,
                 peak_mb=peak_mb, load=load, cpu_seconds=ms * len(paths) / 1000, cores=cores)
            for name, ms in costs.items()]


def _systems(paths):
    """Rows of each preset's test-time extraction: CPU milliseconds per clip, one thread."""
    from mirex.bench.ivector import system_costs

    load, cores = os.getloadavg()[0], core_speeds()
    costs = system_costs(paths)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [_row(f"test-time extraction, {preset}, one thread", clips=len(paths), jobs=1,
                 seconds=ms * len(paths) / 1000, peak_mb=peak_mb, load=load, cpu_seconds=ms * len(paths) / 1000,
                 cores=cores) for preset, ms in costs.items()]


def _machine():
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{platform.node()}, {default_jobs()} cores ({model}), Python {platform.python_version()}"


def _print_table(rows, file=sys.stdout):
    shown = [c for c in COLUMNS if c != "date"]
    cells = [[("" if r[c] is None else str(r[c])) for c in shown] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(shown)]
    print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(shown, widths))), file=file)
    for row in cells:
        print("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths))), file=file)


def main(argv=None):
    """Run the benchmark; return 0."""
    args = _parser().parse_args(argv)
    jobs = args.jobs or default_jobs()
    largest = max(args.clips, args.baseline_clips, args.mem_clips, args.protocol_clips, args.api_clips,
                  args.timestamp_clips, args.ivector_clips)
    clips = make_clips(args.data, count=largest)
    paths = [p for p, _ in clips]
    print(f"mirex bench {datetime.date.today()}: {_machine()}; {jobs} jobs; features {args.features}; "
          f"load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    work = tempfile.mkdtemp(prefix="mirex-bench-")
    try:
        rows = []
        runs = [("baseline", "baseline", args.baseline_clips, False, None, args.repeats),
                ("fast", "fast", args.clips, False, None, args.repeats),
                ("cold", "fast", args.clips, True, None, args.repeats), ("memory", "fast", args.mem_clips, True, None, 1)]
        if args.device:
            runs.append(("device", "fast", args.clips, False, args.device, args.repeats))
        for name, kind, count, cache, device, repeats in runs:
            rows.append(_extraction(name, kind, paths[:count], work=work, jobs=jobs, cache=cache,
                                    features=args.features, device=device, repeats=repeats))
            each = f" (runs: {rows[-1]['runs_clips_per_s']})" if rows[-1]["runs_clips_per_s"] else ""
            print(f"  {rows[-1]['measurement']} on {count} clips: {rows[-1]['clips_per_s']} clips/s{each}, "
                  f"peak {rows[-1]['peak_rss_mb']} MB", flush=True)
        for row in rows[1:]:
            row["speedup_vs_baseline"] = round(row["clips_per_s"] / rows[0]["clips_per_s"], 1)
        api = _api(paths[: args.api_clips], work=work, jobs=jobs, features=args.features, device=args.device,
                   repeats=args.repeats, timestamp_clips=args.timestamp_clips)
        rows += api
        protocol, accuracy = _protocol(clips[: args.protocol_clips], folds=args.folds, work=work, jobs=jobs,
                                       features=args.features)
        rows += protocol
        from mirex.bench.stages import stage_costs
        from mirex.features import feature_pipeline

        stages = stage_costs(paths[: args.stage_clips], extractor=feature_pipeline(args.features))
        rows += _ivector(paths[: args.ivector_clips], features=args.features)
        systems = _systems(paths[: args.ivector_clips])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows + systems)
    stage_file = out.with_name(out.stem + "-stages.csv")
    with open(stage_file, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("stage", "cpu_ms_per_clip"), *((s, round(ms, 2)) for s, ms in stages.items())])
    print()
    _print_table(rows)
    fast, cold, memory = rows[1], rows[2], rows[3]
    print(f"\nspeed-up of extract() over the baseline: {fast['speedup_vs_baseline']}x "
          f"({fast['clips_per_s']} vs {rows[0]['clips_per_s']} clips/s)")
    print(f"peak RSS, {memory['clips']} vs {cold['clips']} clips: {memory['peak_rss_mb']} vs {cold['peak_rss_mb']} MB "
          f"({memory['peak_rss_mb'] / cold['peak_rss_mb']:.2f}x)")
    print(f"train/test accuracy over {args.folds} folds: {accuracy:.3f}")
    ratios = ", ".join(f"{row['measurement']} {row['vs_embed_files']}" for row in api[1:])
    one_pass, by_window = (api[list(LABELS).index(name)]["clips_per_s"] for name in ("hear_timestamps", "by_window"))
    print(f"rates over embed_files in the same process: {ratios}; timestamps in one pass: "
          f"{one_pass / by_window:.1f}x window by window")
    extraction, total = rows[-4]["cpu_ms_per_clip"], rows[-1]["cpu_ms_per_clip"]  # the rows of _ivector
    print(f"i-vector at test time: {total} ms per clip, {100 * total / extraction:.0f} % of the extraction's "
          f"{extraction} ms (one thread, {args.ivector_clips} clips)")
    print("test-time CPU per clip by preset (one thread): " + ", ".join(
        f"{row['measurement'].split(', ')[1]} {row['cpu_ms_per_clip']} ms" for row in systems))
    print(f"\nCPU per clip by stage ({args.stage_clips} clips, one thread):")
    for stage, ms in stages.items():
        print(f"  {stage:52s} {ms:7.2f} ms")
    print(f"\nwritten: {out}, {stage_file}; load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
