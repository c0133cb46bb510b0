import json
import pickle
import shutil

import numpy as np
import pytest
from conftest import REGRESSION, HostilePickle

import mirex
from mirex.bundle import WEIGHTS, bundle_names, default_model, find_bundle, load_bundle, sha256
from mirex.bundle_save import replace_lda, save_bundle
from mirex.errors import BundleError
from mirex.features import FeatureSpec, feature_pipeline
from mirex.folders import shipped_models_dir, user_models_dir
from mirex.frontends.mel import FrontEnd
from mirex.keras2 import import_keras2
from mirex.nets.dcnn import build_feature_model
from mirex.nets.dcnn_frozen import FrozenDCNN
from mirex.precision import full_float32
from mirex.projection import Projection


@pytest.fixture(scope="module")
def regression():
    """The committed clips and the features the shipped bundles computed for them."""
    clips = [str(REGRESSION / f"{name}.flac") for name in ("tone", "clicks", "stereo")]
    return clips, dict(np.load(REGRESSION / "expected.npz"))


@pytest.mark.parametrize("key", ["paper-10000", "paper-5000", "paper-1000", "hybrid-10000"])
def test_shipped_bundles_reproduce_the_committed_features(regression, key):
    clips, expected = regression
    preset, artists = key.split("-")
    bundle = load_bundle(f"msd-siamese-{artists}")
    assert bundle.path.parent == shipped_models_dir() and bundle.manifest["n_artists"] == int(artists)
    result = mirex.load_extractor(FeatureSpec.parse(preset).with_bundle(bundle.name), device="cpu").embed_files(
        clips, cache=False)
    assert not result.errors
    np.testing.assert_allclose(result.features, expected[key], rtol=1e-4, atol=1e-4)
    assert np.abs(expected[key]).max() > 1  # real features, not a degenerate fixture


def test_the_default_is_the_shipped_10000_artist_model():
    assert default_model() == "msd-siamese-10000" and find_bundle() == shipped_models_dir() / "msd-siamese-10000"


def test_keras2_import_of_the_shipped_weights_gives_the_same_weights_file(tmp_path, published_files):
    bundle = import_keras2(published_files / "siamese_5000_artists.h5", name="m", root=tmp_path)
    assert bundle.manifest["n_artists"] == 5000
    assert sha256(bundle.path / WEIGHTS) == load_bundle("msd-siamese-5000").manifest["files"][WEIGHTS]


def test_saved_bundle_round_trips_with_manifest(tmp_path):
    model = build_feature_model(seed=3, l2=0)
    frontend = FrontEnd(mean=0.5, std=2.0)
    bundle = save_bundle(name="b", feature_model=model, frontend=frontend, source="test", n_artists=4, root=tmp_path)
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["files"]["dcnn.weights.h5"] == sha256(tmp_path / "b" / "dcnn.weights.h5")
    assert manifest["frontend"]["std"] == 2.0 and not bundle.has_lda
    x = np.random.default_rng(0).standard_normal((2, 129, 128)).astype(np.float32)
    blocks = FrozenDCNN.from_file(tmp_path / "b" / "dcnn.weights.h5")(x)
    import torch

    with full_float32("cuda" if torch.cuda.is_available() else "cpu"):  # Keras runs on a GPU when there is one
        keras_output = model.predict_on_batch(x)
    np.testing.assert_allclose(blocks[:, 0, -256:], keras_output, rtol=1e-5, atol=1e-5)


def test_lda_is_stored_as_plain_arrays_and_applied(tmp_path):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 256))
    lda = LinearDiscriminantAnalysis(n_components=2).fit(x, np.repeat([0, 1, 2], 10))
    bundle = save_bundle(name="b", feature_model=build_feature_model(seed=0), frontend=FrontEnd(), source="t",
                         lda=Projection.of(lda, n_in=256), root=tmp_path)
    assert sorted(bundle.manifest["files"]) == ["dcnn.weights.h5", "lda.npz"]
    extractor = feature_pipeline(FeatureSpec.parse("paper").with_bundle(str(bundle.path)))
    assert bundle.has_lda and (bundle.lda.n_in, bundle.lda.n_out) == (256, 2)
    np.testing.assert_allclose(extractor.reduce(x[:5]), lda.transform(x[:5]), rtol=1e-5, atol=1e-5)
    assert feature_pipeline(FeatureSpec(bundle=str(bundle.path))).reduce(np.ones((1, 256))).shape == (1, 256)


def test_names_resolve_env_folder_then_user_folder_then_shipped(tmp_path, monkeypatch):
    monkeypatch.setenv("MIREX_MODELS_DIR", str(tmp_path / "first"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # a user folder of this test's own, not the session's
    shipped = load_bundle("msd-siamese-1000")
    assert shipped.path == shipped_models_dir() / "msd-siamese-1000"
    user = user_models_dir()
    copy = replace_lda(shipped, lda=None, name="msd-siamese-1000")  # a shipped bundle is never rewritten in place
    assert copy.path == tmp_path / "first" / "msd-siamese-1000" and load_bundle("msd-siamese-1000").path == copy.path
    monkeypatch.setenv("MIREX_MODELS_DIR", str(tmp_path / "elsewhere"))
    assert load_bundle("msd-siamese-1000").path == shipped.path
    shutil.copytree(copy.path, user / "msd-siamese-1000")
    assert load_bundle("msd-siamese-1000").path == user / "msd-siamese-1000"
    assert set(bundle_names()) >= {"msd-siamese-1000", "msd-siamese-5000", "msd-siamese-10000"}
    with pytest.raises(BundleError, match="no model bundle of this name in .*elsewhere"):
        load_bundle("nonesuch")


def test_a_pickled_lda_is_refused_and_never_unpickled(tmp_path):
    marker = tmp_path / "marker"
    bundle = save_bundle(name="b", feature_model=build_feature_model(seed=0), frontend=FrontEnd(), source="t",
                         root=tmp_path)
    (bundle.path / "lda.joblib").write_bytes(pickle.dumps(HostilePickle(marker)))
    manifest = json.loads((bundle.path / "manifest.json").read_text())
    manifest["files"]["lda.joblib"] = sha256(bundle.path / "lda.joblib")
    (bundle.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="never loaded") as info:
        load_bundle(str(bundle.path))
    assert "\n" not in str(info.value)
    (bundle.path / "lda.npz").write_bytes(pickle.dumps(HostilePickle(marker)))  # a pickle under the new name
    with pytest.raises(BundleError, match="not an LDA projection"):
        Projection.load(bundle.path / "lda.npz")
    assert not marker.exists()


def test_missing_bundle_and_bad_weights_are_user_errors(tmp_path):
    with pytest.raises(BundleError, match="no model bundle"):
        load_bundle(str(tmp_path / "nothing"))
    (tmp_path / "x.h5").write_bytes(b"not hdf5")
    with pytest.raises(BundleError, match="not a readable HDF5"):
        import_keras2(tmp_path / "x.h5", name="x", root=tmp_path)
