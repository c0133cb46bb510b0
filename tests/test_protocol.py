"""The graders' path: run_train.sh and run_test.sh through a subprocess."""
import subprocess
from collections import Counter

import numpy as np
import pytest

from conftest import CLASSES, ROOT

from mirex.features import feature_pipeline
from mirex.listfile import read_list


def run(script, *args, cwd=None):
    return subprocess.run([str(ROOT / script), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(labelled_corpus, tmp_path_factory):
    """A scratch folder trained on the synthetic corpus with the default bundle."""
    work = tmp_path_factory.mktemp("scratch é")
    train_list = write_lines(work / "train list.txt", [f"{p}\t{label}" for p, label in labelled_corpus["train"]])
    result = run("run_train.sh", work / "scratch", train_list, "-numThreads", 2)
    assert result.returncode == 0, result.stderr
    return work


def test_train_then_test_labels_every_file_well_above_chance(trained, labelled_corpus):
    test = labelled_corpus["test"]
    test_list = write_lines(trained / "test list.txt", [p for p, _ in test])
    output = trained / "out put.txt"
    result = run("run_test.sh", trained / "scratch", test_list, output, "-numThreads", 2)
    assert result.returncode == 0, result.stderr
    lines = output.read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[0] for line in lines] == [p for p, _ in test]
    predicted = [line.split("\t")[1] for line in lines]
    assert set(predicted) <= set(CLASSES)
    accuracy = np.mean([p == label for p, (_, label) in zip(predicted, test)])
    print(f"end-to-end accuracy on {len(test)} synthetic clips: {accuracy:.3f}")
    assert accuracy >= 0.75  # chance is 0.25


def test_relative_paths_are_written_as_given(trained, labelled_corpus):
    folder = trained.parent
    rel = [str(__import__("os").path.relpath(p, folder)) for p, _ in labelled_corpus["test"][:3]]
    test_list = write_lines(trained / "rel.txt", rel + rel[:1])
    result = run("run_test.sh", trained / "scratch", test_list, trained / "rel-out.txt", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert [e.path for e in read_list(trained / "rel-out.txt", kind="train")] == rel


def test_features_are_cached_between_calls(trained):
    cached = list((trained / "scratch" / "features").rglob("*.npy"))
    assert len(cached) == 4 * 12 * len(feature_pipeline().passes)  # every clip once per pass of the default system


def test_user_errors_are_one_line_with_status_2(tmp_path, trained):
    result = run("run_test.sh", tmp_path / "empty scratch", tmp_path / "nope.txt", tmp_path / "out.txt")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    bad = write_lines(tmp_path / "bad.txt", ["a.wav\tx", "b.wav"])
    result = run("run_train.sh", tmp_path / "s", bad)
    assert result.returncode == 2 and "bad.txt:2:" in result.stderr and "Traceback" not in result.stderr


def test_one_label_is_refused(tmp_path, labelled_corpus):
    one = write_lines(tmp_path / "one.txt", [f"{p}\tsame" for p, _ in labelled_corpus["train"][:3]])
    result = run("run_train.sh", tmp_path / "s", one)
    assert result.returncode == 2 and "at least two labels" in result.stderr


def test_mfcc_features_and_mismatched_test_options(tmp_path, labelled_corpus):
    train = write_lines(tmp_path / "train.txt", [f"{p}\t{label}" for p, label in labelled_corpus["train"]])
    assert run("run_train.sh", tmp_path / "s", train, "--features", "mfcc").returncode == 0
    test = write_lines(tmp_path / "test.txt", [p for p, _ in labelled_corpus["test"]])
    result = run("run_test.sh", tmp_path / "s", test, tmp_path / "o.txt", "--features", "paper")
    assert result.returncode == 2 and "trained on features mfcc, not dcnn:blocks=5" in result.stderr
    assert run("run_test.sh", tmp_path / "s", test, tmp_path / "o.txt").returncode == 0
    predicted = [line.split("\t")[1] for line in (tmp_path / "o.txt").read_text().splitlines()]
    assert np.mean([p == label for p, (_, label) in zip(predicted, labelled_corpus["test"])]) >= 0.75
    assert Counter(predicted).most_common(1)[0][1] < len(predicted)


def test_testing_and_training_never_import_keras(trained, labelled_corpus, tmp_path):
    """Extraction reads the bundle's weights into PyTorch itself: Keras is for training networks only."""
    import sys

    test_list = write_lines(tmp_path / "test.txt", [p for p, _ in labelled_corpus["test"][:2]])
    train_list = write_lines(tmp_path / "train.txt", [f"{p}\t{label}" for p, label in labelled_corpus["train"][::4]])
    code = ("import sys; from mirex.cli import main; "
            f"status = main(['test', {str(trained / 'scratch')!r}, {str(test_list)!r}, {str(tmp_path / 'o.txt')!r}]); "
            f"status += main(['train', {str(tmp_path / 's')!r}, {str(train_list)!r}, '--features', 'paper']); "
            "print(status, sorted(m for m in sys.modules if m.split('.')[0] == 'keras')[:3])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT,
                            env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.split("\n")[-2] == "0 []", result.stderr
