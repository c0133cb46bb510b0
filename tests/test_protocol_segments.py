"""The graders' scripts with a model trained on segments."""
import subprocess

from conftest import CLASSES, ROOT

from mirex.tasks.scratch import load_record


def run(script, *args):
    return subprocess.run([str(ROOT / script), *map(str, args)], capture_output=True, text=True, timeout=600)


def test_a_segment_model_labels_every_test_file(tmp_path, labelled_corpus):
    train = tmp_path / "train.txt"
    train.write_text("".join(f"{p}\t{label}\n" for p, label in labelled_corpus["train"]), encoding="utf-8")
    result = run("run_train.sh", tmp_path / "scratch", train, "--segments", "on", "-numThreads", 2)
    assert result.returncode == 0, result.stderr
    assert "segments chosen" in result.stderr and "trained on segments" in result.stderr
    record = load_record(scratch=tmp_path / "scratch")
    assert record.params["segments"] is True and record.spec == "dcnn:blocks=1-5,pool=max,stats=mean,+mfcc"
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not audio")
    paths = [p for p, _ in labelled_corpus["test"]] + [str(broken)]
    test = tmp_path / "test.txt"
    test.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    result = run("run_test.sh", tmp_path / "scratch", test, tmp_path / "out.txt", "-numThreads", 2)
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in (tmp_path / "out.txt").read_text(encoding="utf-8").splitlines()]
    assert [p for p, _ in lines] == paths and {label for _, label in lines} <= set(CLASSES)
    truth = [label for _, label in labelled_corpus["test"]]
    assert sum(label == true for (_, label), true in zip(lines, truth)) >= 0.75 * len(truth)  # chance is 0.25
    assert lines[-1][1] == record.majority


def test_segments_on_with_a_system_without_segments_is_a_one_line_error(tmp_path, labelled_corpus):
    train = tmp_path / "train.txt"
    train.write_text("".join(f"{p}\t{label}\n" for p, label in labelled_corpus["train"][::4]), encoding="utf-8")
    result = run("run_train.sh", tmp_path / "scratch", train, "--segments", "on", "--features", "multiscale")
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    assert "several segment lengths" in result.stderr
