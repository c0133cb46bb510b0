import numpy as np
import pytest

from mirex import classifier
from mirex.errors import DataError, ScratchError


def blobs(n_per_class, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, 10)) * 4
    x = np.concatenate([c + rng.standard_normal((n, 10)) for c, n in zip(centres, n_per_class)])
    y = np.repeat(["a", "b", "c"], n_per_class)
    return x, y


def test_fit_selects_parameters_and_predicts(tmp_path):
    x, y = blobs([20, 20, 20])
    model = classifier.fit(x, y)
    assert model["cv_accuracy"] > 0.9 and model["labels"] == ["a", "b", "c"]
    assert model["params"]["C"] in classifier.C_GRID
    classifier.save(model, scratch=tmp_path / "s", extra={"extractor": {"features": "mfcc"}})
    loaded = classifier.load(scratch=tmp_path / "s")
    assert (loaded["estimator"].predict(x) == y).mean() > 0.95 and loaded["extractor"]["features"] == "mfcc"


def test_rare_labels_still_train():
    x, y = blobs([10, 2, 1])
    model = classifier.fit(x, y)
    assert model["cv_accuracy"] is None and model["majority"] == "a"
    x2, y2 = blobs([10, 2, 2])
    assert classifier.fit(x2, y2)["cv_accuracy"] is not None


def test_one_label_and_missing_scratch(tmp_path):
    with pytest.raises(DataError, match="two labels"):
        classifier.fit(np.zeros((3, 2)), ["x"] * 3)
    with pytest.raises(ScratchError, match="no trained classifier"):
        classifier.load(scratch=tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(ScratchError, match="cannot write"):
        classifier.save({"a": 1}, scratch=tmp_path / "file" / "sub")
