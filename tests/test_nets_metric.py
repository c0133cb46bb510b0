"""Metric learning: the losses on hand-computed batches, semi-hard mining, concept sub-spaces and their table."""
import numpy as np
import pytest
import torch

from mirex.errors import DataError, ListFileError, MirexError
from mirex.nets.concepts import TRACK, ConceptSpace, read_concept_table
from mirex.nets.embedding import Proxies, build_embedding_model
from mirex.nets.metric import (id_relations, proxy_nca_loss, relations, semi_hard_negatives, squared_distances,
                               triplet_loss)

#: Four points on a line, two classes, and an unlabelled fifth (see the hand computation below).
POINTS = np.array([[0.0], [1.0], [1.2], [5.0], [0.5]], dtype=np.float32)
LABELS = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 0]], dtype=np.float32)


def _np(x):
    return x.detach().numpy()


def _input(width):
    import keras  # after mirex, which chooses the backend

    return keras.Input((width,))


def test_relations_pair_distinct_items_sharing_a_label_and_leave_unlabelled_ones_out():
    positive, negative = map(_np, relations(np.array([[1, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]], np.float32)))
    assert positive.tolist() == [[False, True, False, False], [True, False, False, False],
                                 [False, False, False, False], [False, False, False, False]]
    assert negative.tolist() == [[False, False, True, False], [False, False, True, False],
                                 [True, True, False, False], [False, False, False, False]]
    positive, negative = map(_np, id_relations(np.array([3, 3, 7, -1])))
    assert positive[0, 1] and positive[1, 0] and positive.sum() == 2
    assert negative[0, 2] and negative[2, 1] and not negative[:, 3].any() and negative.sum() == 4


def test_semi_hard_mining_takes_the_closest_farther_negative_else_the_farthest():
    # squared distances: d01 = 1, d02 = 1.44, d03 = 25, d12 = 0.04, d13 = 16, d23 = 14.44
    distances = squared_distances(POINTS)
    positive, negative = relations(LABELS)
    chosen = _np(semi_hard_negatives(distances, positive=positive, negative=negative))
    expected = np.full((5, 5), -1)
    expected[0, 1] = 2  # negatives 2 (1.44) and 3 (25) are farther than 1: the closer one
    expected[1, 0] = 3  # 2 (0.04) is closer than the positive (1): only 3 (16) is farther
    expected[2, 3] = 0  # none farther than 14.44: the farthest negative, 0 (1.44) over 1 (0.04)
    expected[3, 2] = 1  # 0 (25) and 1 (16) are farther than 14.44: the closer one
    np.testing.assert_array_equal(chosen, expected)


def test_triplet_loss_is_the_mean_hinge_over_positive_pairs():
    positive, negative = relations(LABELS)
    loss = float(triplet_loss(POINTS, positive=positive, negative=negative, margin=0.5))
    # pairs (0,1): 1 - 1.44 + 0.5 = 0.06; (1,0): 1 - 16 + 0.5 < 0; (2,3): 14.44 - 1.44 + 0.5 = 13.5; (3,2): < 0
    assert loss == pytest.approx((0.06 + 13.5) / 4, rel=1e-5)


def test_triplet_loss_without_a_positive_pair_is_zero():
    positive, negative = relations(np.eye(3, dtype=np.float32))
    assert float(triplet_loss(POINTS[:3], positive=positive, negative=negative)) == 0.0


def test_proxy_nca_loss_on_hand_computed_scores():
    scores = np.array([[-1.0, -2.0, -3.0], [-0.5, -4.0, -1.0], [-1.0, -1.0, -1.0]], np.float32)
    labels = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 1]], np.float32)  # the third has no non-label: left out
    first = np.log(np.exp(-2) + np.exp(-3)) + 1
    expected = (first + (-0.5 + 4) + (-0.5 + 1)) / 3
    assert float(proxy_nca_loss(labels, scores)) == pytest.approx(expected, rel=1e-5)


def test_proxies_score_minus_scaled_distance_to_the_normalised_proxy():
    layer = Proxies(2, scale=1.0)
    layer.build((None, 2))
    layer.proxies.assign(np.array([[2.0, 0.0], [0.0, 3.0]], np.float32))
    np.testing.assert_allclose(_np(layer(np.array([[1.0, 0.0]], np.float32))), [[0.0, -2.0]], atol=1e-6)


@pytest.fixture
def space():
    return ConceptSpace.from_table({"era": ("old", "new"), "mode": ("major", "minor", "modal")}, dim=9,
                                   tracks=True)


def test_space_cuts_disjoint_masks_covering_the_embedding(space):
    masks = space.masks()
    assert space.concepts == ("era", "mode", TRACK)
    np.testing.assert_array_equal(masks.sum(axis=0), np.ones(9))
    assert [int(m.sum()) for m in masks] == [3, 3, 3] and masks[1, 3:6].all()
    cols = space.columns(["major", "minor", "modal", "new", "old", "other"])
    assert cols[0].tolist() == [4, 3] and cols[1].tolist() == [0, 1, 2] and cols[2] is None
    with pytest.raises(DataError, match="era"):
        space.columns(["old", "major", "minor"])
    with pytest.raises(DataError, match="genre"):
        space.slice("genre")


def _targets(rng, n):
    tags = np.zeros((n, 5), np.float32)
    tags[np.arange(n), rng.integers(0, 3, n)] = 1
    tags[np.arange(n), 3 + rng.integers(0, 2, n)] = 1
    return np.concatenate([tags, np.repeat(np.arange(n // 2), 2)[:, None].astype(np.float32)], axis=1)


@pytest.mark.parametrize("objective", ["classification", "triplet", "proxy"])
def test_each_concept_trains_only_its_own_sub_space(objective, space):
    if objective != "triplet":
        space = ConceptSpace.from_table(dict(zip(space.concepts[:2], space.tags[:2])), dim=9)
    cols = space.columns(["major", "minor", "modal", "new", "old"])
    inputs = _input(6)
    model, _, loss = build_embedding_model(inputs, inputs, objective=objective, space=space, columns=cols,
                                           hidden=(8,), project=True, seed=0)
    rng = np.random.default_rng(0)
    x, y = torch.from_numpy(rng.standard_normal((12, 6)).astype(np.float32)), torch.from_numpy(_targets(rng, 12))
    kernel = model.get_layer("projection").kernel.value
    for k, concept in enumerate(space.concepts):
        grad = torch.autograd.grad(loss.concept(y, model(x), k), kernel)[0].numpy()
        inside = np.zeros(space.dim, bool)
        inside[space.slice(concept)] = True
        assert np.abs(grad[:, inside]).sum() > 0, concept
        np.testing.assert_array_equal(grad[:, ~inside], 0)


def test_class_ids_train_one_space_as_one_hot_labels():
    inputs = _input(4)
    space = ConceptSpace.single("artist", dim=4)
    model, embedder, loss = build_embedding_model(inputs, inputs, objective="proxy", space=space, columns=[None],
                                                  n_classes=3)
    x = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
    ids = np.array([0, 0, 1, 1, 2, 2])
    scores = model(x)
    assert _np(loss(ids, scores)) == pytest.approx(_np(proxy_nca_loss(np.eye(3)[ids], scores)), rel=1e-6)
    np.testing.assert_allclose(np.linalg.norm(_np(embedder(x)), axis=1), 1, rtol=1e-5)


def test_the_track_sub_space_needs_the_triplet_loss(space):
    inputs = _input(4)
    with pytest.raises(ValueError, match="triplet"):
        build_embedding_model(inputs, inputs, objective="proxy", space=space, columns=space.columns(
            ["old", "new", "major", "minor", "modal"]), project=True)


def test_concept_table_reads_concepts_in_order(tmp_path):
    table = tmp_path / "concepts.tsv"
    table.write_text("# tag\tconcept\nbaroque\tera\n\nfugue\tform\nromantic\tera\r\nsonata \t form\n",
                     encoding="utf-8")
    assert read_concept_table(table) == {"era": ("baroque", "romantic"), "form": ("fugue", "sonata")}


@pytest.mark.parametrize("text, message", [
    ("baroque\tera\nromantic\n", r":2: expected 'tag<TAB>concept', got 'romantic'"),
    ("baroque\tera\tx\n", r":1: expected 'tag<TAB>concept'"),
    ("baroque\tera\n\tera\n", r":2: expected"),
    ("a\tera\nb\tera\na\tform\n", r":3: tag 'a' already belongs to a concept \(line 1\)"),
    ("a\ttrack\nb\ttrack\n", r":1: the concept name 'track' is reserved"),
    ("a\tera\nb\tera\nc\tform\n", r"concept 'form' has one tag"),
    ("# nothing\n\n", r"no 'tag<TAB>concept' line"),
])
def test_concept_table_errors_are_one_line(tmp_path, text, message):
    table = tmp_path / "concepts.tsv"
    table.write_text(text, encoding="utf-8")
    with pytest.raises(ListFileError, match=message) as raised:
        read_concept_table(table)
    assert "\n" not in str(raised.value) and str(raised.value).startswith(str(table))
    with pytest.raises(MirexError, match="cannot read"):
        read_concept_table(tmp_path / "missing.tsv")
