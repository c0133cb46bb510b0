"""Embedding heads in bundles: storage round trip, ``mirex pretrain --head`` and ``--loss`` on the network."""
import json

import numpy as np
import pytest

from conftest import write_tagged

from mirex.bundle import WEIGHTS, load_bundle, sha256
from mirex.cli import main
from mirex.errors import BundleError, DataError
from mirex.features.head import HEAD_ARRAYS, load_head, save_head_bundle
from mirex.nets.projection import Head


def _head(rng):
    masks = np.zeros((2, 6), np.float32)
    masks[0, :3] = masks[1, 3:] = 1
    layers = ((rng.standard_normal((5, 8)).astype(np.float32), rng.standard_normal(8).astype(np.float32), "relu"),
              (rng.standard_normal((8, 6)).astype(np.float32), rng.standard_normal(6).astype(np.float32), "linear"))
    return Head(objective="proxy", features="dcnn:blocks=5,pool=max,stats=mean", concepts=("era", "mode"),
                tags=(("old", "new"), ("major", "minor")), masks=masks, layers=layers,
                offset=rng.standard_normal(5).astype(np.float32), scale=rng.uniform(0.5, 2, 5).astype(np.float32))


def test_a_bundle_with_a_head_round_trips():
    rng = np.random.default_rng(0)
    base, head = load_bundle(), _head(rng)
    assert load_head(base) is None
    bundle = save_head_bundle(base, name="with-head", head=head, info={"best_epoch": 3})
    loaded = load_head(load_bundle("with-head"))
    assert loaded.describe() == head.describe() and bundle.manifest["head"]["best_epoch"] == 3
    for name, array in head.arrays().items():
        np.testing.assert_array_equal(loaded.arrays()[name], array)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    embedding = loaded(x)
    np.testing.assert_array_equal(embedding, head(x))
    np.testing.assert_allclose(np.linalg.norm(embedding[:, :3], axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(embedding[:, 3:], axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(loaded.mask("mode"), [0, 0, 0, 1, 1, 1])
    assert sha256(bundle.path / WEIGHTS) == sha256(base.path / WEIGHTS) and bundle.fingerprint == base.fingerprint
    with pytest.raises(DataError, match="no concept 'tempo'"):
        loaded.mask("tempo")


def test_a_head_whose_arrays_disagree_is_refused():
    rng = np.random.default_rng(1)
    bundle = save_head_bundle(load_bundle(), name="bad-head", head=_head(rng))
    arrays = _head(rng).arrays()
    arrays["kernel_1"] = arrays["kernel_1"][:, :4]
    with open(bundle.path / HEAD_ARRAYS, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(BundleError, match="do not fit"):
        load_head(load_bundle("bad-head"))


@pytest.fixture(scope="module")
def tag_list(tmp_path_factory):
    """Sixteen 3 s clips tagged with their kind (bass, treble...) and their level (loud, soft), and the table."""
    return write_tagged(tmp_path_factory.mktemp("tagged"), seed=200)


@pytest.mark.parametrize("loss, extra", [("triplet", ["--tracks"]), ("proxy", []), ("classification", [])])
def test_head_mode_trains_a_head_on_the_frozen_features(tag_list, loss, extra):
    tags, table = tag_list
    name = f"head-{loss}"
    assert main(["pretrain", str(tags), "--head", "msd-siamese-10000", "--out", name, "--task", "tags", "--loss", loss,
                 "--concepts", str(table), "--epochs", "3", "--quiet", *extra]) == 0
    bundle = load_bundle(name)
    head = load_head(bundle)
    assert head.concepts == ("kind", "level") + (("track",) if extra else ())
    assert head.objective == loss and head.features == "dcnn:blocks=1-5,pool=max,stats=mean"
    assert bundle.manifest["head"]["base"] == "msd-siamese-10000" and 1 <= bundle.manifest["head"]["epochs_run"] <= 3
    assert np.isfinite(bundle.manifest["head"]["best_val_loss"])
    assert head.layers[0][0].shape == (head.offset.shape[0], 512) and head.dim == 128


@pytest.mark.parametrize("argv, message", [
    (["--arch", "resse"], "--head trains on frozen features: arch not applicable"),
    (["--loss", "proxy", "--tracks"], "track similarity is trained by the triplet loss"),
    (["--task", "artist", "--concepts", "TABLE"], "a concept table groups tags"),
])
def test_head_mode_refuses_what_it_cannot_train(tag_list, argv, message, capsys):
    tags, table = tag_list
    argv = [str(table) if a == "TABLE" else a for a in argv]
    assert main(["pretrain", str(tags), "--head", "msd-siamese-10000", "--out", "never", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mirex: error: {message}") and err.count("\n") == 1


def test_network_trained_by_proxies_on_concepts_keeps_their_masks(tag_list, tmp_path):
    from mirex.pretrain import pretrain

    tags, table = tag_list
    bundle = pretrain(artist_list=tags, out="net-proxy", task="tags", loss="proxy", concepts=table, epochs=1,
                      batch_size=8, patience=1, n_jobs=1, progress=False, root=tmp_path)
    head = load_head(bundle)
    assert head.concepts == ("kind", "level") and head.layers == () and head.dim == 256
    assert head.features == "dcnn:blocks=5,pool=max,stats=mean" and head.masks[1, 128:].all()
    training = json.loads((bundle.path / "report.json").read_text())["settings"]
    assert training["loss"] == "proxy" and training["concepts"] == str(table.resolve())


@pytest.fixture(scope="module")
def concept_bundle():
    """A bundle with a random head (two concepts) on the multi-level features of the default network."""
    from mirex.features import feature_pipeline

    rng = np.random.default_rng(2)
    features = "dcnn:blocks=1-5,pool=max,stats=mean"
    width = feature_pipeline(features).dim
    masks = np.zeros((2, 8), np.float32)
    masks[0, :4] = masks[1, 4:] = 1
    head = Head(objective="triplet", features=features, concepts=("kind", "level"), tags=(("a", "b"), ("c", "d")),
                masks=masks, layers=((rng.standard_normal((width, 8)).astype(np.float32),
                                      rng.standard_normal(8).astype(np.float32), "linear"),),
                offset=np.zeros(width, np.float32), scale=np.full(width, 0.01, np.float32))
    save_head_bundle(load_bundle(), name="concept-head", head=head)
    return head


def test_concept_distances_are_those_of_the_masked_embedding(concept_bundle, tag_list, tmp_path):
    from mirex import load_extractor
    from mirex.tasks.similarity import read_matrix, write_matrix

    paths = sorted({line.split("\t")[0] for line in tag_list[0].read_text().splitlines()})[:6]
    listed = tmp_path / "list.txt"
    listed.write_text("\n".join(paths) + "\n")
    songs = load_extractor(concept_bundle.features, device="cpu").embed_files(paths, cache=False).features
    matrices = {}
    for concept in ("kind", "level"):
        out, expected = tmp_path / f"{concept}.txt", tmp_path / f"{concept}-expected.txt"
        assert main(["similarity", str(listed), str(out), "--model", "concept-head", "--concept", concept,
                     "--cache", str(tmp_path / "cache"), "--quiet"]) == 0
        masked = concept_bundle(songs) * concept_bundle.mask(concept)
        write_matrix(out=expected, paths=paths, features=masked, name="expected")
        got, matrices[concept] = read_matrix(path=out), read_matrix(path=expected)[1]
        assert got[0] == paths
        np.testing.assert_allclose(got[1], matrices[concept], atol=1e-5)
    assert np.abs(matrices["kind"] - matrices["level"]).max() > 0.05
    assert main(["similarity", str(listed), str(tmp_path / "x.txt"), "--model", "concept-head", "--concept",
                 "tempo"]) == 2
    assert main(["similarity", str(listed), str(tmp_path / "x.txt"), "--concept", "kind"]) == 2  # no head


def test_api_embeds_in_one_concept_on_the_heads_features(concept_bundle, tag_list):
    import soundfile as sf

    from mirex import load_extractor
    from mirex.features.head import head_spec

    path = tag_list[0].read_text().split("\t")[0]
    y, sr = sf.read(path, dtype="float32")
    extractor = load_extractor(head_spec("concept-head"), device="cpu")
    song = extractor.embed(y, sr)
    level = extractor.embed(y, sr, concept="level")
    np.testing.assert_allclose(level, concept_bundle(song[None])[0] * concept_bundle.mask("level"), rtol=1e-5,
                               atol=1e-6)
    assert not level[:4].any() and np.linalg.norm(level[4:]) == pytest.approx(1, rel=1e-5)
    assert song.shape == (extractor.dim,)
    with pytest.raises(DataError, match="takes the features"):
        load_extractor("dcnn:model=concept-head,blocks=5", device="cpu").embed(y, sr, concept="level")
