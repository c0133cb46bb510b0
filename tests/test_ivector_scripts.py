"""The i-vector systems through run_train.sh and run_test.sh: each combination learns synthetic classes."""
import subprocess

import numpy as np
import pytest

from conftest import CLASSES, ROOT, synth, write_clip

from mirex.ivector import BackEnd, IVectorSystem
from mirex.tasks.combine import IVectorRecord, class_scores
from mirex.tasks.scratch import RECORD_FILE, load_record, trusted_types

#: Small sizes, so the background model and the matrix fit in seconds.
SIZES = ["--ivector-components", "8", "--ivector-rank", "8"]


def run(script, *args):
    return subprocess.run([str(ROOT / script), *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Train and test lists of 3-s clips of four classes (6 and 3 a class), a shared cache, an undecodable test file."""
    work = tmp_path_factory.mktemp("ivector")
    rows = {split: [(write_clip(work / split / f"{label}{i}.wav", synth(label, seconds=3, seed=seed + i)), label)
                    for label in CLASSES for i in range(count)]
            for split, count, seed in (("train", 6, 0), ("test", 3, 100))}
    broken = work / "test" / "broken.wav"
    broken.write_bytes(b"RIFF not really a wave file")
    (work / "train.txt").write_text("".join(f"{p}\t{label}\n" for p, label in rows["train"]))
    (work / "test.txt").write_text("".join(f"{p}\n" for p, _ in rows["test"]) + f"{broken}\n")
    return work, dict(rows["test"]), broken


@pytest.mark.parametrize("features, combine", [("ivector", None), ("hybrid-ivector", "concat"),
                                               ("hybrid-ivector", "fusion")])
def test_each_combination_labels_every_test_file_well_above_chance(corpus, features, combine):
    work, truth, broken = corpus
    scratch, output, cache = work / f"scratch-{features}-{combine}", work / f"out-{features}-{combine}.txt", work / "cache"
    chosen = ["--ivector-combine", combine] if combine else []
    trained = run("run_train.sh", scratch, work / "train.txt", "--features", features, *SIZES, *chosen,
                  "--task-lda", "off", "--cache", cache, "--quiet")
    assert trained.returncode == 0, trained.stderr
    tested = run("run_test.sh", scratch, work / "test.txt", output, "--cache", cache, "--quiet")
    assert tested.returncode == 0, tested.stderr
    labels = dict(line.split("\t") for line in output.read_text().splitlines())
    assert set(labels) == {*map(str, truth), str(broken)} and labels[str(broken)] in CLASSES
    assert "broken.wav" in tested.stderr and "Traceback" not in tested.stderr
    accuracy = np.mean([labels[str(path)] == label for path, label in truth.items()])
    assert accuracy >= 0.75, (accuracy, labels)  # chance: 0.25
    record = load_record(scratch=scratch)
    assert isinstance(record, IVectorRecord) and record.combine == (combine or "concat")
    assert len(record.classifiers) == (2 if combine == "fusion" else 1)
    shapes = {name: value.shape for name, value in record.ivector.items()}
    assert shapes == {"ubm_weights": (8,), "ubm_means": (8, 60), "ubm_variances": (8, 60), "matrix": (8, 60, 8),
                      "mean": (8,)}
    assert all(type(value) is np.ndarray for value in record.ivector.values())
    assert isinstance(record.system, IVectorSystem) and record.system.dim == 8
    back_end = record.classifiers[-1].estimator.named_steps["front"]  # the classifier that sees the i-vector
    assert isinstance(back_end, BackEnd) and back_end.projection_.shape == (8, 3)  # the LDA keeps classes - 1


def test_the_record_is_a_skops_archive_of_trusted_types_only(corpus):
    import skops.io

    work, _, _ = corpus
    data = (work / "scratch-hybrid-ivector-fusion" / RECORD_FILE).read_bytes()
    assert data[:2] == b"PK" and b"pickle" not in data.lower()
    assert set(skops.io.get_untrusted_types(data=data)) <= set(trusted_types())
    assert "mirex.tasks.combine.IVectorRecord" in trusted_types()


@pytest.mark.parametrize("args, message", [
    (["--features", "ivector", "--ivector-combine", "fusion"], "fusion needs features besides the i-vector"),
    (["--features", "mfcc", "--ivector-rank", "4"], "the --ivector options are for +ivector systems"),
    (["--features", "dcnn:blocks=5,+ivector,+lda"], "does not combine with +ivector"),
    (["--features", "ivector", "--ivector-rank", "0"], "expected a whole number >= 1"),
])
def test_misused_options_are_one_line_errors(corpus, tmp_path, args, message):
    work, _, _ = corpus
    result = run("run_train.sh", tmp_path / "scratch", work / "train.txt", *args, "--cache", work / "cache", "--quiet")
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_class_scores_average_each_classes_one_vs_one_decisions():
    # Three classes, pairs (0, 1), (0, 2), (1, 2); positive values favour the first of the pair.
    np.testing.assert_allclose(class_scores(np.array([[2.0, 1.0, -3.0]]), 3), [[1.5, -2.5, 1.0]])
    # Two classes: one column, positive for class 1.
    np.testing.assert_allclose(class_scores(np.array([0.5, -1.0]), 2), [[-0.5, 0.5], [1.0, -1.0]])


def test_inner_folds_refit_the_back_end_so_labels_without_signal_score_near_chance():
    """Random labels on clips of one kind of noise: an LDA fitted on all training clips would separate them
    (rank 24, 48 clips) and the inner folds would score near 1; refitted on each fold, they score near chance."""
    from mirex.ivector import IVectorSettings
    from mirex.tasks.combine import IVectorOptions, fit

    rng = np.random.default_rng(0)
    frames = [rng.standard_normal((80, 60)) for _ in range(48)]
    labels = np.repeat(["a", "b", "c", "d"], 12)[rng.permutation(48)]
    options = IVectorOptions(IVectorSettings(components=4, rank=24, ubm_iter=3, tv_iter=3))
    record = fit(np.zeros((48, 0)), labels, frames=frames, options=options, task_lda="off")
    assert record.classifiers[0].cv_accuracy < 0.5  # chance: 0.25
    training = record.classifiers[0].estimator.named_steps["front"].transform(record.system.transform(frames))
    assert training.shape == (48, 3)
