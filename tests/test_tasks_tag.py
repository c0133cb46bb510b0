"""The tag task's models on synthetic features (the scripts are tested in test_protocol_tag.py)."""
import numpy as np
import pytest

from mirex.errors import DataError
from mirex.tasks import tag
from mirex.tasks.record import Record
from mirex.tasks.scratch import load_record, save_record


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 90
    features = rng.standard_normal((n, 6)) * [1, 1, 1, 100, 0.01, 1]  # very different scales
    tag_sets = []
    for x in features:
        tags = ["loud"] if x[0] > 0 else ["soft"]
        if x[1] + x[2] > 0.5:
            tags.append("bright")
        tag_sets.append(tags)
    tag_sets[0] = tag_sets[0] + ["rare"]
    tag_sets[1] = tag_sets[1] + ["rare"]
    return features, tag_sets


@pytest.fixture(scope="module")
def record(data):
    features, tag_sets = data
    return tag.fit_tags(features=features[:60], tag_sets=tag_sets[:60], spec="mfcc", n_jobs=2)


def test_record_holds_every_tag_in_first_seen_order(record, data):
    assert record.task == "tag" and isinstance(record, Record) and record.spec == "mfcc"
    assert record.tags == tuple(dict.fromkeys(t for ts in data[1][:60] for t in ts))
    assert set(record.tags) == {"loud", "soft", "bright", "rare"}
    kinds = {m.tag: m.kind for m in record.models}
    assert kinds["rare"] == "prior" and kinds["loud"] in tag.CANDIDATES
    assert record.models[record.tags.index("rare")].prior == pytest.approx(2 / 60)


def test_record_round_trip(record, tmp_path):
    save_record(record, scratch=tmp_path)
    loaded = load_record(scratch=tmp_path)
    assert isinstance(loaded, tag.TagRecord) and loaded.tags == record.tags and "per-tag models" in loaded.describe()


def test_held_out_scores_and_binary(record, data):
    features, tag_sets = data
    scores, binary = tag.predict(record=record, features=features[60:])
    assert scores.shape == binary.shape == (30, 4)
    for j, name in enumerate(record.tags):
        truth = np.array([name in ts for ts in tag_sets[60:]])
        if name in ("loud", "soft"):
            assert np.mean(binary[:, j] == truth) >= 0.85, name
            assert scores[truth, j].mean() > scores[~truth, j].mean() + 0.5, name  # the scores rank the truth
    rare = record.tags.index("rare")
    assert np.allclose(scores[:, rare], 2 / 60) and (binary[:, rare] == 0).all()


def test_undecodable_rows_get_priors_and_thresholds(record, data):
    features = data[0][60:63].copy()
    features[1] = np.nan
    scores, binary = tag.predict(record=record, features=features)
    assert scores[1].tolist() == pytest.approx(record.priors.tolist())
    assert binary[1].tolist() == (record.priors >= record.thresholds).astype(int).tolist()
    assert np.isfinite(scores).all()


@pytest.mark.parametrize("scores, truth, expected", [
    ([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0], (1.0, 0.55)),
    ([0.9, 0.8, 0.8, 0.1], [1, 0, 1, 0], (0.8, 0.45)),  # the tie at 0.8 is taken or left whole
    ([0.2, 0.2], [1, 0], (2 / 3, 0.2)),
])
def test_best_threshold(scores, truth, expected):
    assert tag.best_threshold(scores=np.array(scores), truth=np.array(truth, bool)) == pytest.approx(expected)


def test_mismatched_inputs_are_refused():
    with pytest.raises(DataError, match="3 training files, got 2"):
        tag.fit_tags(features=np.zeros((3, 2)), tag_sets=[["a"], ["b"]], spec="mfcc")
