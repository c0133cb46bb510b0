"""The tag task through the real scripts: run_train.sh SCRATCH TRAINLIST, run_test.sh SCRATCH TESTLIST AFF BIN."""
import numpy as np
import pytest

from conftest import CLASSES
from test_protocol import run, write_lines

TONAL = {"bass": "tonal", "treble": "tonal", "noise": "noisy", "clicks": "noisy"}
MFCC = ("--features", "mfcc")


def tag_lines(pairs):
    return [f"{p}\t{t}" for p, label in pairs for t in (label, TONAL[label])]


@pytest.fixture(scope="module")
def tagged(labelled_corpus, tmp_path_factory):
    """A scratch folder with a tag model trained through run_train.sh (detected: two labels per path)."""
    work = tmp_path_factory.mktemp("tags ü")
    train_list = write_lines(work / "train list.txt", tag_lines(labelled_corpus["train"]))
    result = run("run_train.sh", work / "scratch", train_list, "-numThreads", 2, *MFCC)
    assert result.returncode == 0, result.stderr
    assert "6 tags" in result.stderr
    return work


def read_output(path):
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


def test_affinity_and_binary_for_every_path_and_tag(tagged, labelled_corpus):
    test = labelled_corpus["test"]
    broken = tagged / "broken ü.wav"
    broken.write_bytes(b"not audio at all")
    paths = [p for p, _ in test] + [test[0][0], str(broken)]  # a repeated path, an undecodable file
    test_list = write_lines(tagged / "test list.txt", paths)
    affinity, binary = tagged / "aff out.txt", tagged / "bin out.txt"
    result = run("run_test.sh", tagged / "scratch", test_list, affinity, binary, "-numThreads", 2)
    assert result.returncode == 0, result.stderr
    tags = list(dict.fromkeys(t for line in tag_lines(labelled_corpus["train"]) for t in [line.split("\t")[1]]))
    distinct = list(dict.fromkeys(paths))
    aff, bina = read_output(affinity), read_output(binary)
    assert [(p, t) for p, t, _ in aff] == [(p, t) for p in distinct for t in tags]
    assert [(p, t) for p, t, _ in bina] == [(p, t) for p in distinct for t in tags]
    scores = np.array([float(s) for _, _, s in aff]).reshape(len(distinct), len(tags))
    decided = np.array([int(b) for _, _, b in bina]).reshape(len(distinct), len(tags))
    assert ((scores >= 0) & (scores <= 1)).all() and set(np.unique(decided)) <= {0, 1}
    assert "could not be used" in result.stderr
    priors = {t: sum(t in (label, TONAL[label]) for _, label in labelled_corpus["train"]) / 32 for t in tags}
    assert scores[-1] == pytest.approx([priors[t] for t in tags], abs=1e-6)
    truth = np.array([[t in (label, TONAL[label]) for t in tags] for _, label in test])
    accuracy = np.mean(decided[:len(test)] == truth)
    print(f"tag binary accuracy on {len(test)} synthetic clips x {len(tags)} tags: {accuracy:.3f}")
    assert accuracy >= 0.85
    best = scores[:len(test), [tags.index(c) for c in CLASSES]].argmax(axis=1)
    assert np.mean([CLASSES[b] == label for b, (_, label) in zip(best, test)]) >= 0.75


def test_output_count_must_match_the_model_and_task_option(tagged, labelled_corpus, tmp_path):
    test_list = write_lines(tmp_path / "t.txt", [p for p, _ in labelled_corpus["test"][:2]])
    result = run("run_test.sh", tagged / "scratch", test_list, tmp_path / "only.txt")
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    assert "tag model; give AFFINITY_OUT and BINARY_OUT" in result.stderr and not (tmp_path / "only.txt").exists()
    both = write_lines(tmp_path / "both.txt", tag_lines(labelled_corpus["train"]))
    result = run("run_train.sh", tmp_path / "c", both, "--task", "classify", "--task-lda", "off", *MFCC)
    assert result.returncode == 0 and "4 labels" in result.stderr  # the first label of each path
    result = run("run_test.sh", tmp_path / "c", test_list, tmp_path / "a.txt", tmp_path / "b.txt")
    assert result.returncode == 2 and "single-label classifier; give one OUTPUT" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip().count("\n") == 0


def test_task_tag_on_a_single_label_list(labelled_corpus, tmp_path):
    single = write_lines(tmp_path / "single.txt", [f"{p}\t{label}" for p, label in labelled_corpus["train"]])
    result = run("run_train.sh", tmp_path / "t", single, "--task", "tag", *MFCC)
    assert result.returncode == 0 and "4 tags" in result.stderr
