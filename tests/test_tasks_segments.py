"""Training on segments: folds that keep a clip's segments on one side, the candidate chosen only where it wins."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mirex.tasks import classify, segments, selection
from mirex.tasks.scratch import load_record, save_record


def spread_songs(n_per_class, *, seed, per_song=6):
    """Two classes with the same song mean: class 'a' keeps its segments near 0, class 'b' splits them at +-2.

    The song feature (the mean of the rows) cannot tell them apart; the segments can.
    """
    rng = np.random.default_rng(seed)
    labels = np.repeat(["a", "b"], n_per_class)
    owners = np.repeat(np.arange(len(labels)), per_song)
    sign = np.tile(np.repeat([1.0, -1.0], per_song // 2), len(labels))
    centre = np.where(labels[owners] == "b", 2.0 * sign, 0.0)
    rows = rng.standard_normal((len(owners), 4)) * 0.4
    rows[:, 0] += centre
    rows -= np.stack([rows[owners == i].mean(axis=0) for i in range(len(labels))])[owners]  # equal song means
    rows += rng.standard_normal((len(labels), 4))[owners] * 0.3
    features = np.stack([rows[owners == i].mean(axis=0) for i in range(len(labels))])
    return features, labels, rows, owners


def separated_songs(n_per_class, *, seed, per_song=5):
    """Three classes whose song means are far apart; the segments are those means plus noise."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(["a", "b", "c"], n_per_class)
    centres = rng.standard_normal((3, 8)) * 3
    owners = np.repeat(np.arange(len(labels)), per_song)
    rows = centres[np.searchsorted(["a", "b", "c"], labels)][owners] + rng.standard_normal((len(owners), 8))
    features = np.stack([rows[owners == i].mean(axis=0) for i in range(len(labels))])
    return features, labels, rows, owners


def test_the_segment_model_is_chosen_where_it_wins(tmp_path):
    x, y, rows, owners = spread_songs(30, seed=0)
    record = classify.fit(x, y, segments=(rows, owners))
    assert record.params["segments"] is True and "trained on segments" in record.describe()
    assert record.cv_accuracy > 0.9
    songs = classify.fit(x, y, segments=(rows, owners), use_segments="off")
    assert songs.params["segments"] is False
    test_x, test_y, test_rows, test_owners = spread_songs(40, seed=1)
    on_segments = np.mean(record.predict(test_rows, owners=test_owners) == test_y)
    assert on_segments > 0.9 > np.mean(songs.predict(test_x) == test_y) + 0.2
    save_record(record, scratch=tmp_path)
    loaded = load_record(scratch=tmp_path)
    assert loaded.params == record.params
    np.testing.assert_array_equal(loaded.predict(test_rows, owners=test_owners),
                                  record.predict(test_rows, owners=test_owners))


def test_songs_are_kept_unless_the_segments_win_by_more_than_their_standard_error():
    x, y, rows, owners = separated_songs(20, seed=0)
    record = classify.fit(x, y, segments=(rows, owners))
    assert record.params["segments"] is False  # both are perfect: the song-level model is the simpler one
    forced = classify.fit(x, y, segments=(rows, owners), use_segments="on")
    assert forced.params["segments"] is True and forced.params["C"] in segments.SEGMENT_C
    assert np.mean(forced.predict(rows, owners=owners) == y) == 1.0


def test_segments_on_without_folds_trains_on_segments():
    x, y, rows, owners = separated_songs(1, seed=0)
    record = classify.fit(x, y, segments=(rows, owners), use_segments="on")
    assert record.params["segments"] is True and record.cv_accuracy is None
    assert list(record.predict(rows, owners=owners)) == list(y)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.one_of(st.none(), st.sampled_from("pqrst")),
                          st.integers(1, 4)), min_size=6, max_size=30),
       st.integers(0, 3))
def test_inner_folds_never_put_segments_of_one_clip_on_both_sides(clips, seed):
    labels = np.array([label for label, _, _ in clips])
    groups = [group for _, group, _ in clips]
    owners = np.repeat(np.arange(len(clips)), [count for _, _, count in clips])
    features = np.random.default_rng(seed).standard_normal((len(clips), 3))
    splits, _ = selection.inner_splits(features, labels, groups, seed=seed)
    ids, _ = selection.inner_groups(features, labels, groups)
    for train, test in splits:
        fit_rows, fit_songs = segments.segment_rows_of(train, owners)
        test_rows, test_songs = segments.segment_rows_of(test, owners)
        assert not set(owners[fit_rows]) & set(owners[test_rows])
        assert np.array_equal(np.unique(owners[fit_rows]), np.sort(train))  # every row of a training clip
        assert np.array_equal(train[fit_songs], owners[fit_rows])
        assert np.array_equal(test[test_songs], owners[test_rows])
        assert not set(ids[owners[fit_rows]]) & set(ids[owners[test_rows]])  # the groups rule holds for rows too


def test_votes_follow_the_averaged_pairwise_scores():
    classes = np.array(["a", "b", "c"])
    # columns (a, b), (a, c), (b, c), positive for the first
    decision = np.array([[1.0, 1.0, -1.0], [-1.0, 0.5, 2.0], [-0.2, -0.3, -0.1], [0.5, -0.5, 0.5]])
    assert list(segments.vote(decision, classes)) == ["a", "b", "c", "a"]  # the last: one vote each, a's margin wins
    assert list(segments.vote(np.array([0.3, -0.2]), np.array(["x", "y"]))) == ["y", "x"]
