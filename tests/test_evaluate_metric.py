"""``mirex evaluate --task metric``: its measures, and the task end to end on generated audio."""
import numpy as np
import pandas as pd
import pytest

from conftest import write_tagged

from mirex.cli import main
from mirex.errors import EvaluationError
from mirex.evaluate import metricmeasures as measures
from mirex.evaluate.metrictask import METRIC_SYSTEMS, head_settings
from mirex.evaluate.systems import System


def test_triplets_follow_their_definition():
    labels = ["a", "a", "b", None, "b", "c", "a", None, "c", "b"]
    triplets = measures.concept_triplets(labels=labels, count=500, seed=3)
    assert triplets.shape == (500, 3)
    for anchor, positive, negative in triplets:
        assert anchor != positive and labels[anchor] == labels[positive] is not None
        assert labels[negative] is not None and labels[negative] != labels[anchor]
    assert not {3, 7} & set(triplets.ravel())  # unlabelled clips are in no triplet
    assert {int(a) for a in triplets[:, 0]} == {0, 1, 2, 4, 5, 6, 8, 9}  # every anchor that can be
    np.testing.assert_array_equal(triplets, measures.concept_triplets(labels=labels, count=500, seed=3))
    assert not np.array_equal(triplets, measures.concept_triplets(labels=labels, count=500, seed=4))
    assert measures.concept_triplets(labels=["a", "a", None], count=5, seed=0).shape == (0, 3)  # no negative
    assert measures.concept_triplets(labels=["a", "b", "c"], count=5, seed=0).shape == (0, 3)  # no positive


def test_triplet_accuracy_counts_anchors_nearer_their_positive():
    x = np.array([[0.0], [1.0], [3.0], [0.5]])
    triplets = np.array([[0, 1, 2], [0, 2, 1], [3, 0, 2]])
    assert measures.triplet_accuracy(embeddings=x, triplets=triplets) == pytest.approx(2 / 3)
    assert np.isnan(measures.triplet_accuracy(embeddings=x, triplets=np.zeros((0, 3), int)))


def test_a_concepts_precision_uses_its_sub_space_only():
    rng = np.random.default_rng(0)
    labels = ["old", "new"] * 10
    embeddings = rng.standard_normal((20, 6))
    embeddings[:, :2] = np.where(np.array(labels)[:, None] == "old", 1.0, -1.0) + rng.normal(0, 0.01, (20, 2))
    embeddings[:, 2:] *= 100  # the other sub-space: loud noise
    masks = np.zeros((2, 6))
    masks[0, :2] = masks[1, 2:] = 1
    groups = [f"w{i}" for i in range(20)]

    def precision(x, concept):
        view = measures.concept_view(x, concepts=("era", "mode"), masks=masks, concept=concept)
        return measures.concept_precision(embeddings=view, labels=labels, groups=groups, n=5)

    assert precision(embeddings, "era") == 1.0
    assert precision(embeddings, "mode") < 0.9  # the noise knows nothing of the labels
    louder = embeddings.copy()
    louder[:, 2:] = rng.standard_normal((20, 4)) * 1000
    assert precision(louder, "era") == 1.0  # nothing outside the sub-space counts
    assert precision(embeddings, "tempo") == measures.concept_precision(  # no sub-space: the whole embedding
        embeddings=embeddings, labels=labels, groups=groups, n=5)


def test_concept_labels_and_precision_leave_unlabelled_clips_out():
    tags = [("old", "major"), ("new",), ("minor", "old", "new")]
    assert measures.concept_labels(tags=tags, concept_tags=("major", "minor")) == ["major", None, "minor"]
    assert measures.concept_labels(tags=tags, concept_tags=("new", "old")) == ["old", "new", "new"]
    x = np.array([[0.0], [5.0], [0.1], [5.1], [9.0]])
    labels = ["a", "b", "a", "b", None]
    assert measures.concept_precision(embeddings=x, labels=labels, groups=[None] * 5, n=1) == 1.0
    # the same work as the query is no candidate: its only label-mate gone, b's nearest is an a
    assert np.isnan(measures.concept_precision(embeddings=x, labels=labels, groups=["w", "v", "w", "v", "u"], n=1))


@pytest.mark.parametrize("options, message", [
    (("--loss", "hinge"), "--loss takes classification, triplet, proxy, not 'hinge'"),
    (("--concepts",), "--concepts needs a head"),
    (("--tracks",), "not --tracks"),
])
def test_system_options_are_checked(options, message):
    with pytest.raises(EvaluationError, match=message):
        head_settings(System("x", None, None, options))
    assert head_settings(METRIC_SYSTEMS["proxy-concepts"]) == ("proxy", True)
    assert head_settings(METRIC_SYSTEMS["base"]) == (None, False)


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    """Sixteen clips tagged with their kind and level, two clips a work, and the concept table."""
    folder = tmp_path_factory.mktemp("metric")
    write_tagged(folder, seed=700, works=True)
    return folder


SHOWN = ["base", "classification", "triplet-concepts", "proxy-concepts"]  # every objective, both kinds of space


def test_the_metric_task_end_to_end(tagged, capsys):
    out = tagged / "results"
    # The table spells its tags otherwise than the list; they are compared as the list's tags are.
    lines = (tagged / "concepts.tsv").read_text(encoding="utf-8").splitlines()
    spelt = tagged / "concepts-spelt.tsv"
    spelt.write_text("".join(f"{tag.upper()}!\t{concept}\n" for tag, concept in (x.split("\t") for x in lines)))
    status = main(["evaluate", str(tagged / "tags.txt"), "--task", "metric", "--concepts", str(spelt),
                   "--systems", *SHOWN, "--folds", "2", "--epochs", "1", "--dim", "8", "--triplets", "50",
                   "--neighbours", "2", "--out", str(out), "-numThreads", "2"])
    assert status == 0
    assert "triplet_mean" in capsys.readouterr().out
    board = pd.read_csv(out / "leaderboard.csv").set_index("system")
    assert list(board.index) == SHOWN
    measured = [f"{m}_{c}" for c in ("kind", "level") for m in ("precision", "triplet")]
    assert list(board.columns) == ["objective", "disentangled", *measured, "precision_all", "triplet_mean",
                                   "tag_auc", "train_s"]
    assert board[measured + ["precision_all", "triplet_mean", "tag_auc"]].apply(lambda c: c.between(0, 1)).all().all()
    assert board.loc["base", "train_s"] == 0 and (board.drop(index="base")["train_s"] > 0).all()
    assert board.loc["triplet-concepts", "objective"] == "triplet" and board.loc["triplet-concepts", "disentangled"]
    assert board.loc["base", "tag_auc"] > 0.7  # four clearly different kinds of sound
    assert set(pd.read_csv(out / "per_fold.csv")["fold"]) == {1, 2}
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "Metric learning against classification" in summary and "kind (bass, treble, noise, clicks)" in summary
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "--task metric" in page and "--concepts" in page and "--epochs 1" in page


def test_the_metric_task_needs_its_table_and_keeps_its_options(tagged, capsys):
    tags = str(tagged / "tags.txt")
    assert main(["evaluate", tags, "--task", "metric", "--out", str(tagged / "x")]) == 2
    assert "needs a concept table (--concepts TABLE)" in capsys.readouterr().err
    assert main(["evaluate", tags, "--task", "tag", "--concepts", str(tagged / "concepts.tsv")]) == 2
    assert "apply to --task metric only" in capsys.readouterr().err
    (tagged / "bad.txt").write_text("loud\tlevel\nsoft\n", encoding="utf-8")
    assert main(["evaluate", tags, "--task", "metric", "--concepts", str(tagged / "bad.txt")]) == 2
    assert "bad.txt:2: expected 'tag<TAB>concept'" in capsys.readouterr().err
    (tagged / "twice.txt").write_text("Loud\tlevel\nsoft\tlevel\nlo-ud\tkind\nbass\tkind\n", encoding="utf-8")
    assert main(["evaluate", tags, "--task", "metric", "--concepts", str(tagged / "twice.txt")]) == 2
    assert "tags 'Loud' and 'lo-ud' are the same tag" in capsys.readouterr().err
