"""The classification task: settings chosen by inner cross-validation, the task LDA where it helps, typed records."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import synth, write_clip

from mirex.errors import DataError
from mirex.tasks import classify, selection
from mirex.tasks.scratch import load_record, save_record


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


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.one_of(st.none(), st.sampled_from("pqrstuvw"))),
                min_size=4, max_size=40),
       st.integers(0, 3))
def test_grouped_inner_folds_never_split_a_group(rows, seed):
    labels = np.array([label for label, _ in rows])
    groups = [group for _, group in rows]
    x = np.random.default_rng(seed).standard_normal((len(rows), 3))
    splits, source = selection.inner_splits(x, labels, groups, folds=3, seed=seed)
    assert source == "group column" or all(g is None for g in groups)
    if splits:
        assert sorted(np.concatenate([test for _, test in splits]).tolist()) == list(range(len(rows)))
    # A label whose clips all share one group could never be on both sides: only then may its group be split.
    sole = {g for label in set(labels.tolist()) for g in [{groups[i] for i in np.flatnonzero(labels == label)}]
            if len(g) == 1 for g in g}
    for train, test in splits:
        shared = {groups[i] for i in train} & {groups[i] for i in test}
        assert shared <= sole | {None}


def test_without_a_group_column_nearest_neighbours_of_one_label_stay_together():
    rng = np.random.default_rng(0)
    # Ten "recordings" per label, three near-identical clips each: the clips of one recording stay together.
    recordings = rng.standard_normal((20, 8)) * 3
    x = np.repeat(recordings, 3, axis=0) + rng.standard_normal((60, 8)) * 0.01
    labels = np.repeat(["a", "b"], 30)
    splits, source = selection.inner_splits(x, labels, folds=3, seed=0)
    assert source == "nearest neighbours" and len(splits) == 3
    recording = np.repeat(np.arange(20), 3)
    for train, test in splits:
        assert not set(recording[train]) & set(recording[test])


def test_pairwise_margins_by_hand():
    # Three classes: pairs (a, b), (a, c), (b, c), positive for the first of the pair.
    decision = np.array([[2.0, 0.5, 9.0], [2.0, 0.5, -1.0], [-3.0, 1.0, -0.25]])
    margins = selection.pairwise_margins(decision, np.array(["a", "c", "b"]), np.array(["a", "b", "c"]))
    np.testing.assert_allclose(margins, [0.5, -0.5, -0.25])  # a: min(2, .5); c: min(-.5, 1); b: min(3, -.25)
    two = selection.pairwise_margins(np.array([1.5, -2.0]), np.array(["b", "b"]), np.array(["a", "b"]))
    np.testing.assert_allclose(two, [1.5, -2.0])
    # The sign convention is scikit-learn's: a fitted SVM's margins are positive exactly where it is right
    # (for three classes, where its one-vs-one votes are not tied).
    for n_classes in (2, 3):
        rng = np.random.default_rng(n_classes)
        x, y = rng.standard_normal((60, 2)), np.arange(60) % n_classes
        svm = classify.RBFSVM(C=1.0, gamma_scale=1.0).fit(x, y.astype(str))
        right = svm.predict(x) == y.astype(str)
        margins = selection.pairwise_margins(svm.decision_function(x), y.astype(str), svm.classes_)
        assert 0.5 < right.mean() < 1
        assert np.mean((margins > 0) == right) >= 0.95 and np.all(right[margins > 0])


def results(rows):
    """A GridSearchCV-like cv_results_ from (lda, fold accuracies, mean hinge score) rows."""
    folds = np.array([r[1] for r in rows], dtype=float)
    out = {"param_lda": ["passthrough" if not r[0] else object() for r in rows],
           "mean_test_accuracy": folds.mean(axis=1), "mean_test_hinge": np.array([r[2] for r in rows])}
    out.update({f"split{k}_test_accuracy": folds[:, k] for k in range(folds.shape[1])})
    return out


def test_one_standard_error_rule():
    # The task LDA wins by 0.02, less than its folds' standard error (0.058): left out.
    close = results([(False, [0.88, 0.88, 0.88], -0.5), (True, [0.80, 1.00, 0.90], -0.4)])
    index, summary = selection.choose(close, n_splits=3)
    assert index == 0 and summary[True][2] == pytest.approx(0.1 / np.sqrt(3))
    # It wins by 0.2 with a standard error of 0.0058: kept.
    clear = results([(False, [0.70, 0.70, 0.70], -0.5), (True, [0.89, 0.90, 0.91], -0.4)])
    assert selection.choose(clear, n_splits=3)[0] == 1
    # A task LDA that failed on a fold (NaN) never wins.
    failed = results([(False, [0.70, 0.70, 0.70], -0.5), (True, [np.nan, 1.0, 1.0], np.nan)])
    assert selection.choose(failed, n_splits=3)[0] == 0


def test_tied_accuracies_are_decided_by_the_out_of_fold_hinge_loss():
    tied = results([(False, [1.0, 1.0, 1.0], -0.9), (False, [1.0, 1.0, 1.0], -0.1), (False, [1.0, 1.0, 1.0], -0.3),
                    (False, [0.9, 1.0, 1.0], 0.0)])
    assert selection.choose(tied, n_splits=3)[0] == 1


def test_the_easy_case_gets_every_test_clip_right(tmp_path):
    """Four clearly different synthetic classes, 12 training clips each, on the hybrid system of a random network:
    every candidate ties at inner accuracy 1.000, and the weakest of them misses a test clip."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mirex.bundle_save import save_bundle
    from mirex.features import FeatureSpec, feature_pipeline
    from mirex.frontends.mel import FrontEnd
    from mirex.nets.dcnn import build_feature_model

    save_bundle(name="random", feature_model=build_feature_model(seed=0, l2=0), frontend=FrontEnd(),
                source="random init (tests)", root=tmp_path)
    extractor = feature_pipeline(FeatureSpec.parse("hybrid").with_bundle(str(tmp_path / "random")))
    kinds = ("bass", "treble", "noise", "clicks")

    def clips(seeds):
        signals = [synth(kind, seconds=3, seed=s) for kind in kinds for s in seeds]
        return extractor.features(signals), np.repeat(kinds, len(seeds))

    x, y = clips(range(12))
    test_x, test_y = clips(range(100, 106))
    record = classify.fit(x, y)
    assert accuracy(record, test_x, test_y) == 1.0
    assert record.cv_accuracy == 1.0
    weakest = make_pipeline(StandardScaler(), classify.RBFSVM(C=min(classify.C_GRID),
                                                               gamma_scale=min(classify.GAMMA_SCALES))).fit(x, y)
    assert (weakest.predict(test_x) == test_y).mean() < 1.0


def test_the_easy_case_with_the_default_system_gets_every_test_clip_right():
    from mirex.features import DEFAULT_PRESET, FeatureSpec, feature_pipeline

    extractor = feature_pipeline(FeatureSpec.parse(DEFAULT_PRESET))
    kinds = ("bass", "treble", "noise", "clicks")
    x, test_x = (extractor.features([synth(kind, seconds=3, seed=s) for kind in kinds for s in seeds])
                 for seeds in (range(12), range(100, 106)))
    record = classify.fit(x, np.repeat(kinds, 12))
    assert accuracy(record, test_x, np.repeat(kinds, 6)) == 1.0


def test_the_training_list_group_column_reaches_the_model_choice(tmp_path, monkeypatch):
    from mirex.protocol import train

    seen = {}
    fit = classify.fit
    monkeypatch.setattr(classify, "fit", lambda *a, **k: seen.setdefault("groups", k["groups"]) and fit(*a, **k))
    rows = [(write_clip(tmp_path / f"{kind}{i}.wav", synth(kind, seconds=1, seed=i)), kind, f"{kind}-track{i // 2}")
            for kind in ("bass", "noise") for i in range(4)]
    (tmp_path / "train.txt").write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))
    train(scratch=tmp_path / "scratch", train_list=tmp_path / "train.txt", spec="mfcc", task_lda="off",
          progress=False, n_jobs=1)
    assert seen["groups"] == [r[2] for r in rows]
