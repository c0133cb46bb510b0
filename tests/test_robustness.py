"""Bad input, interruption and concurrent runs: no test file is ever lost.

One module-scoped corpus holds every awkward case (odd formats, rates and
channel counts, undecodable files, awkward list files); it is trained once
through run_train.sh and labelled through run_test.sh. Error cases that fail
before any feature is computed run in-process through ``mirex.cli.main``.
"""
import os
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest
import soundfile as sf

from conftest import ROOT, SR, synth, write_clip

from mirex.cache import FeatureCache
from mirex.cli import main
from mirex.extract import extract
from mirex.features import FeaturePipeline, FeatureSpec, feature_pipeline
from mirex.tasks import classify
from mirex.tasks.scratch import RECORD_FILE, load_record

LABELS = ("bass", "treble", "noise", "clicks")


def script(name, *args, cwd=None, wait=True):
    argv = [str(ROOT / name), *map(str, args)]
    if not wait:
        return subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=600)


def write_as(path, y, *, sr=SR, fmt=None, subtype=None, rename=None):
    """Write ``y`` with soundfile, optionally under another (misleading) name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y, sr, format=fmt, subtype=subtype)
    if rename:
        os.rename(path, path.with_name(rename))
        return path.with_name(rename)
    return path


def sine(seconds, *, sr=SR, freq=440.0):
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def bad_files(folder):
    """Files that exist (or not) but cannot be decoded, by name."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    (folder / "random bytes.wav").write_bytes(rng.bytes(20000))
    (folder / "random bytes.mp3").write_bytes(rng.bytes(20000))
    (folder / "empty file.wav").write_bytes(b"")
    header = write_as(folder / "x.wav", sine(1)).read_bytes()
    (folder / "x.wav").unlink()
    (folder / "header only.wav").write_bytes(header[:44])
    (folder / "cut header.wav").write_bytes(header[:30])
    (folder / "a folder.wav").mkdir()
    return [folder / n for n in ("missing file.wav", "random bytes.wav", "random bytes.mp3", "empty file.wav",
                                 "header only.wav", "cut header.wav", "a folder.wav")]


def good_test_files(folder):
    """Decodable test files of every awkward kind."""
    y = synth("treble", seconds=3, seed=101)
    stereo = np.stack([y, synth("bass", seconds=3, seed=102)], axis=1)
    files = [
        write_as(folder / "plain.wav", y),
        write_as(folder / "silence.wav", np.zeros(3 * SR, np.float32)),
        write_as(folder / "half second.wav", y[: SR // 2]),
        write_as(folder / "one sample.wav", y[:1]),
        write_as(folder / "long 35 s.wav", synth("noise", seconds=35, seed=103)),
        write_as(folder / "stereo 44k.wav", stereo, sr=44100),
        write_as(folder / "six channels 48k.wav", np.tile(y[:, None], (1, 6)), sr=48000),
        write_as(folder / "rate 8k.wav", y, sr=8000),
        write_as(folder / "rate 96k 24-bit.wav", y, sr=96000, subtype="PCM_24"),
        write_as(folder / "unsigned 8-bit.wav", y, subtype="PCM_U8"),
        write_as(folder / "float32.wav", y, subtype="FLOAT"),
        write_as(folder / "nan and inf.wav", np.where(np.arange(y.size) % 7, y, np.nan).astype(np.float32),
                 subtype="FLOAT"),
        write_as(folder / "huge float.wav", y * 1e30, subtype="FLOAT"),
        write_as(folder / "clipping.wav", np.clip(y * 50, -1, 1)),
        write_as(folder / "truncated.wav", y),
        write_as(folder / "flac.flac", y),
        write_as(folder / "ogg.ogg", y, fmt="OGG"),
        write_as(folder / "mp3.mp3", y, fmt="MP3"),
        write_as(folder / "m.mp3", y, fmt="MP3", rename="an mp3 named.wav"),
        write_as(folder / "w.wav", y, rename="a wav named.mp3"),
        write_as(folder / "f.flac", y, rename="a flac named.ogg"),
        write_as(folder / "ünïcödé – 曲.wav", y),
    ]
    data = files[14].read_bytes()
    files[14].write_bytes(data[: len(data) // 2])  # header says more than there is
    return files


def lines_bytes(path):
    return [line for line in path.read_bytes().split(b"\n") if line]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A trained scratch folder and the test-list case files, all under one working folder."""
    work = tmp_path_factory.mktemp("robust é")
    audio = work / "audio dir"
    train = {label: [write_clip(audio / "train" / f"{label} {i}.wav", synth(label, seconds=3, seed=10 * i + k))
                     for i in range(count)]
             for k, (label, count) in enumerate(zip(LABELS, (4, 3, 2, 1)))}
    bad = bad_files(audio / "bad")
    rel = lambda p: os.path.relpath(p, work)  # noqa: E731
    train_text = (
        "\ufeff"
        f"{rel(train['bass'][0])}\tbass  \r\n"  # relative path, trailing blanks, CRLF
        "\r\n"
        f"  {train['bass'][1]}\t\tbass\tsome artist\r\n"  # leading blanks, run of tabs, group column
        f"{rel(train['bass'][2])}   bass\n"  # space separator, path with spaces that exists
        f"{train['bass'][3]}\tbass\n"
        f"{train['bass'][3]}\ttreble\n"  # duplicate path, conflicting label: first wins
        f"{train['treble'][0]}\ttreble\n{train['treble'][1]}\ttreble\n{train['treble'][2]}\ttreble\n"
        f"{train['noise'][0]}\tnoise\n{train['noise'][1]}\tnoise\n{train['noise'][0]}\tnoise\n"
        f"{train['clicks'][0]}\tclicks\n"  # a label with one example
        "no label and no such file.wav\n"  # malformed: line 14
        + "".join(f"{p}\t{LABELS[i % 4]}\n" for i, p in enumerate(bad))
    )
    train_list = work / "train list.txt"
    train_list.write_bytes(train_text.encode())
    result = script("run_train.sh", work / "scratch", train_list, "-numThreads", 1, cwd=work)
    good = good_test_files(audio / "test")
    latin = write_as(audio / "test" / "l.wav", sine(2))
    latin_bytes = os.fsencode(audio / "test") + b"/caf\xe9 latin-1.wav"
    os.rename(latin, latin_bytes)
    return {"work": work, "train_list": train_list, "train_result": result, "train": train, "bad": bad,
            "good": good, "latin": latin_bytes}


def test_training_skips_bad_files_and_lines_once_each(corpus):
    result = corpus["train_result"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for path in corpus["bad"]:
        assert sum(path.name in line for line in result.stderr.splitlines()) == 1, (path.name, result.stderr)
    assert "train list.txt:14: expected 'path<TAB>label'" in result.stderr
    assert "train list.txt:6:" in result.stderr and "labelled 'bass' on line 5" in result.stderr
    record = load_record(scratch=corpus["work"] / "scratch")
    assert record.labels == sorted(LABELS) and record.majority == "bass"
    assert record.n_train == 10 and record.skipped == len(corpus["bad"])


def test_every_test_path_gets_one_line_in_order(corpus):
    work, good, bad = corpus["work"], corpus["good"], corpus["bad"]
    paths = [os.fsencode(p) for p in good + bad] + [corpus["latin"]]
    paths[0] = os.fsencode(os.path.relpath(good[0], work))  # relative to the working directory
    listed = paths[:5] + paths[2:4] + paths[5:]  # duplicates
    # BOM, CRLF, blank lines, blanks around paths, a Latin-1 byte (the last line)
    raw = b"\xef\xbb\xbf" + b"".join(b"  " + p + b" \r\n\r\n" for p in listed)
    test_list = work / "test list.txt"
    test_list.write_bytes(raw)
    output = work / "out dir" / "predictions.txt"
    result = script("run_test.sh", work / "scratch", test_list, output, "-numThreads", 2, cwd=work)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows = [line.split(b"\t") for line in lines_bytes(output)]
    assert [r[0] for r in rows] == list(dict.fromkeys(paths)) == paths  # paths byte for byte, once, in order
    labels = dict((p, label.decode()) for p, label in rows)
    assert set(labels.values()) <= set(LABELS)
    warned = result.stderr.splitlines()
    for path in bad:
        assert sum(path.name in line for line in warned) == 1, path.name
        assert labels[os.fsencode(path)] == "bass"  # the most frequent training label
    assert f"{len(bad)} test file(s) could not be used; labelled 'bass'" in result.stderr, result.stderr
    for path in good:
        if path.name != "huge float.wav":  # may or may not give finite features; labelled either way
            assert not any(path.name in line for line in warned), (path.name, result.stderr)
    assert f"test list.txt:{2 * len(listed) - 1}: not valid UTF-8" in result.stderr
    assert sorted(os.listdir(output.parent)) == ["predictions.txt"]  # no temporary left behind


def cli(capsys, *argv):
    status = main([*map(str, argv), "--quiet"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err.strip().splitlines()


def test_unwritable_output_is_one_line_error_before_any_work(corpus, capsys, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    test_list = tmp_path / "t.txt"
    test_list.write_text(f"{corpus['good'][0]}\n")
    for output in (blocker / "out.txt", tmp_path):
        status, err = cli(capsys, "test", corpus["work"] / "scratch", test_list, output)
        assert status == 2 and len(err) == 1 and err[0].startswith(f"mirex: error: {output}"), err


def test_unusable_scratch_is_one_line_error(capsys, tmp_path, labelled_corpus):
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    train_list = tmp_path / "t.txt"
    train_list.write_text("".join(f"{p}\t{label}\n" for p, label in labelled_corpus["train"][:4]))
    for scratch in (blocker, blocker / "scratch"):
        status, err = cli(capsys, "train", scratch, train_list, "--features", "mfcc")
        assert status == 2 and len(err) == 1, err
        assert err[0].startswith(f"mirex: error: {scratch}: cannot write to scratch folder"), err


def test_training_needs_usable_files_and_two_labels(capsys, tmp_path, labelled_corpus):
    bad = bad_files(tmp_path / "bad")
    all_bad = tmp_path / "all bad.txt"
    all_bad.write_text("".join(f"{p}\t{LABELS[i % 2]}\n" for i, p in enumerate(bad)))
    status, err = cli(capsys, "train", tmp_path / "s", all_bad, "--features", "mfcc")
    assert status == 2 and len(err) == len(bad) + 1
    assert err[-1] == f"mirex: error: {all_bad}: none of the {len(bad)} training files could be used"
    (good, label), *_ = labelled_corpus["train"]
    one_left = tmp_path / "one left.txt"
    one_left.write_text(f"{good}\t{label}\n{bad[1]}\tother\n")
    status, err = cli(capsys, "train", tmp_path / "s", one_left, "--features", "mfcc")
    assert status == 2
    assert err[-1] == f"mirex: error: {one_left}: need at least two labels to train, got ['{label}'] " \
                      "after skipping 1 unusable file(s)"
    malformed = tmp_path / "malformed.txt"
    malformed.write_text("a.wav\nb.wav\n")
    status, err = cli(capsys, "train", tmp_path / "s", malformed)
    assert status == 2 and err[-1] == f"mirex: error: {malformed}: list file has no entries"
    assert err[0].startswith(f"mirex: warning: {malformed}:1: expected")


@pytest.mark.parametrize("counts", [{"a": 6, "b": 1}, {"a": 6, "b": 2}, {"a": 5, "b": 2, "c": 1}])
def test_labels_with_fewer_examples_than_folds_still_train(counts):
    rng = np.random.default_rng(0)
    labels = [label for label, n in counts.items() for _ in range(n)]
    centres = {label: rng.normal(size=8) * 5 for label in counts}
    features = np.stack([centres[label] + rng.normal(size=8) * 0.1 for label in labels]).astype(np.float32)
    record = classify.fit(features, labels)
    assert record.labels == sorted(counts) and record.majority == "a"
    assert list(record.predict(np.stack(list(centres.values())))) == list(counts)


class Flaky(FeaturePipeline):
    """The MFCC system, failing on clips shorter than 0.1 s and giving inf for silent ones."""

    def __init__(self):
        super().__init__("mfcc")
        self.passes = {"flaky-test": None}

    def prepare(self, blocks, passes):
        return {"flaky-test": np.concatenate(list(blocks))}

    def compute(self, name, signals):
        if any(len(y) < SR // 10 for y in signals):
            raise RuntimeError("too short\nsecond line")
        values = MFCC.features(signals)
        values[[not y.any() for y in signals]] = np.inf
        return values


MFCC = feature_pipeline("mfcc")


def test_one_odd_file_never_costs_the_others(tmp_path):
    good = [write_clip(tmp_path / f"g{i}.wav", synth("bass", seconds=1, seed=i)) for i in range(3)]
    short = write_clip(tmp_path / "short.wav", synth("bass", seconds=1, seed=9)[:50])
    silent = write_clip(tmp_path / "silent.wav", np.zeros(SR, np.float32))
    paths = [str(p) for p in (good[0], short, good[1], silent, good[2])]
    cache = FeatureCache(tmp_path / "cache")
    result = extract(paths, extractor=Flaky(), cache=cache, n_jobs=1)
    assert result.errors == {1: f"{short}: feature extraction failed (RuntimeError: too short)",
                             3: f"{silent}: features are not finite (extreme sample values?)"}
    alone = extract([str(p) for p in good], extractor=MFCC, n_jobs=1).features
    np.testing.assert_allclose(result.features[[0, 2, 4]], alone, rtol=1e-5, atol=1e-5)
    assert len(list((tmp_path / "cache").rglob("*.npy"))) == 3  # failures are not cached


def test_damaged_cache_entries_are_recomputed(tmp_path):
    clip = str(write_clip(tmp_path / "a.wav", synth("noise", seconds=1, seed=1)))
    cache = FeatureCache(tmp_path / "cache")
    first = extract([clip], extractor=MFCC, cache=cache, n_jobs=1)
    (entry,) = (tmp_path / "cache").rglob("*.npy")
    good_bytes = entry.read_bytes()
    for damage in (good_bytes[: len(good_bytes) // 2], b"", b"garbage", good_bytes[:-8] + b"\x00\x00\xc0\x7f" * 2):
        entry.write_bytes(damage)
        again = extract([clip], extractor=MFCC, cache=cache, n_jobs=1)
        assert again.hits == 0 and not again.errors
        np.testing.assert_array_equal(again.features, first.features)
        assert entry.read_bytes() == good_bytes


def test_unwritable_cache_only_warns(tmp_path):
    clip = str(write_clip(tmp_path / "a.wav", synth("noise", seconds=1, seed=1)))
    (tmp_path / "file").write_text("x")
    cache = FeatureCache(tmp_path / "file" / "cache")
    result = extract([clip, clip], extractor=MFCC, cache=cache, n_jobs=1)
    assert not result.errors and np.isfinite(result.features).all()
    assert cache.write_error.startswith(f"{tmp_path / 'file' / 'cache'}: cannot write feature cache")


def test_changed_file_or_other_model_never_reuses_an_entry(tmp_path, models_root):
    from mirex.bundle_save import save_bundle
    from mirex.frontends.mel import FrontEnd
    from mirex.nets.dcnn import build_feature_model

    other = save_bundle(name="other", feature_model=build_feature_model(seed=1, l2=0), frontend=FrontEnd(),
                        source="random init (tests)", root=tmp_path / "models")
    clip = write_clip(tmp_path / "a.wav", synth("bass", seconds=3, seed=1))
    cache = FeatureCache(tmp_path / "cache")
    default, second = feature_pipeline(FeatureSpec()), feature_pipeline(FeatureSpec(bundle=str(other.path)))
    assert default.fingerprint != second.fingerprint
    first = extract([str(clip)], extractor=default, cache=cache, n_jobs=1)
    again = extract([str(clip)], extractor=default, cache=cache, n_jobs=1)
    assert (first.hits, again.hits) == (0, 1)
    by_other = extract([str(clip)], extractor=second, cache=cache, n_jobs=1)
    assert by_other.hits == 0 and not np.allclose(by_other.features, first.features)
    write_clip(clip, synth("treble", seconds=3, seed=2))
    changed = extract([str(clip)], extractor=default, cache=cache, n_jobs=1)
    assert changed.hits == 0 and not np.allclose(changed.features, first.features)
    assert len(list((tmp_path / "cache").rglob("*.npy"))) == 3


def entries(cache):
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.rglob("*.npy")}


def test_killed_run_resumes_without_recomputing(tmp_path):
    clips = [write_clip(tmp_path / "clips" / f"{i:02d}.wav", synth(LABELS[i % 2], seconds=1, seed=i))
             for i in range(36)]
    train_list = tmp_path / "train.txt"
    train_list.write_text("".join(f"{p}\t{LABELS[i % 2]}\n" for i, p in enumerate(clips)))
    cache = tmp_path / "cache"
    args = (tmp_path / "scratch", train_list, "-numThreads", 1, "--cache", cache, "--quiet")
    proc = script("run_train.sh", *args, wait=False)
    deadline = time.monotonic() + 300
    while not entries(cache) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the script's own process group, workers included
    proc.communicate()
    before = entries(cache)
    passes = len(feature_pipeline().passes)  # cache entries per clip
    assert 0 < len(before) < passes * len(clips), "the run was not caught in the middle of extraction"
    assert not (tmp_path / "scratch" / RECORD_FILE).exists()
    result = script("run_train.sh", *args)
    assert result.returncode == 0, result.stderr
    after = entries(cache)
    assert len(after) == passes * len(clips)
    assert {p: after[p] for p in before} == before  # earlier entries untouched: same inode and mtime
    assert all(FeatureCache(cache).get(p.parent.parent.name, p.stem) is not None for p in after)


def test_concurrent_runs_on_one_scratch(corpus, tmp_path):
    scratch = tmp_path / "scratch"
    shutil.copytree(corpus["work"] / "scratch", scratch)
    new = [write_clip(tmp_path / "new" / f"{label} {i}.wav", synth(label, seconds=2, seed=500 + 10 * i + k))
           for k, label in enumerate(LABELS) for i in range(4)]
    train_list = tmp_path / "train.txt"
    train_list.write_text("".join(f"{p}\t{p.name.split()[0]}\n" for p in new))
    test_list = tmp_path / "test.txt"
    test_list.write_text("".join(f"{p}\n" for p in new[::-1]))
    output = tmp_path / "out.txt"
    runs = [script("run_train.sh", scratch, train_list, "-numThreads", 1, "--quiet", wait=False),
            script("run_test.sh", scratch, test_list, output, "-numThreads", 1, "--quiet", wait=False)]
    for proc in runs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    assert [line.split("\t")[0] for line in output.read_text().splitlines()] == [str(p) for p in new[::-1]]
    assert load_record(scratch=scratch).labels == sorted(LABELS)
    stored = entries(scratch / "features")
    assert all(FeatureCache(scratch / "features").get(p.parent.parent.name, p.stem) is not None for p in stored)
    assert not [p for p in scratch.rglob("*") if p.name.endswith(".tmp")]
