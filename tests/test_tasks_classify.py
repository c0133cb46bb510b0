"""The classification task: settings chosen by inner cross-validation, the task LDA where it helps, typed records."""
import numpy as np
import pytest

from mirex.errors import DataError
from mirex.tasks import classify
from mirex.tasks.record import load_record, save_record


def blobs(n_per_class, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, 10)) * 4
    x = np.concatenate([c + rng.standard_normal((n, 10)) for c, n in zip(centres, n_per_class)])
    y = np.repeat(["a", "b", "c"], n_per_class)
    return x, y


def hidden_direction(n, seed):
    """Four classes told apart by the mean along one direction buried in 300 noisy dimensions.

    An RBF kernel on all dimensions sees mostly noise; the task LDA finds the direction.
    """
    direction = np.linalg.qr(np.random.default_rng(0).standard_normal((300, 1)))[0][:, 0]
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(4), n // 4)
    x = rng.standard_normal((len(labels), 300)) + np.outer(labels * 2.5, direction)
    return x, labels.astype(str)


def shells(n, seed):
    """Two classes with the same mean: an inner ball and an outer shell in 6 dimensions.

    The task LDA keeps one direction, which cannot separate them; the SVM on
    the standardised features can.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    directions = rng.standard_normal((n, 6))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    radius = np.where(labels, rng.uniform(2.0, 2.5, n), rng.uniform(0.0, 1.0, n))
    return directions * radius[:, None], labels.astype(str)


def accuracy(record, x, y):
    return float((record.predict(x) == y).mean())


def test_task_lda_is_chosen_where_it_wins():
    x, y = hidden_direction(160, seed=0)
    record = classify.fit(x, y)
    assert record.params["task_lda"] is True
    test_x, test_y = hidden_direction(400, seed=1)
    without = classify.fit(x, y, task_lda="off")
    assert accuracy(record, test_x, test_y) > accuracy(without, test_x, test_y) + 0.1


def test_task_lda_is_left_out_where_it_loses():
    x, y = shells(120, seed=0)
    record = classify.fit(x, y)
    assert record.params["task_lda"] is False
    test_x, test_y = shells(400, seed=1)
    forced = classify.fit(x, y, task_lda="on")
    assert forced.params["task_lda"] is True
    assert accuracy(record, test_x, test_y) > accuracy(forced, test_x, test_y) + 0.2
    assert "no task LDA" in record.describe() and "C=" in record.describe()


def test_fit_selects_parameters_and_the_record_round_trips(tmp_path):
    x, y = blobs([20, 20, 20])
    record = classify.fit(x, y, spec="mfcc", fingerprint="f")
    assert record.cv_accuracy > 0.9 and record.labels == ["a", "b", "c"] and record.task == "classify"
    assert record.params["C"] in classify.C_GRID and record.params["gamma_scale"] in classify.GAMMA_SCALES
    save_record(record, scratch=tmp_path / "s")
    loaded = load_record(scratch=tmp_path / "s")
    assert accuracy(loaded, x, y) > 0.95 and loaded.spec == "mfcc" and loaded.n_train == 60


def test_rare_labels_still_train():
    x, y = blobs([10, 2, 1])
    record = classify.fit(x, y)
    assert record.cv_accuracy is None and record.majority == "a" and record.params["task_lda"] is False
    x2, y2 = blobs([10, 2, 2])
    assert classify.fit(x2, y2).cv_accuracy is not None


def test_fewer_than_two_labels_is_a_data_error():
    with pytest.raises(DataError, match="two labels"):
        classify.fit(np.zeros((3, 2)), ["x"] * 3)


def test_a_task_lda_that_cannot_be_fitted_loses_instead_of_failing():
    x, y = blobs([3, 3, 3], seed=2)
    x = np.hstack([x, np.zeros((9, 40))])  # constant columns: a singular within-class covariance
    record = classify.fit(x, y)
    assert record.labels == ["a", "b", "c"] and accuracy(record, x, y) == 1.0
