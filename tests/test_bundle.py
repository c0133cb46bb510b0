import json

import numpy as np
import pytest

from mirex import audio
from mirex.bundle import import_keras2, load_bundle, save_bundle, sha256
from mirex.errors import BundleError
from mirex.features import FeatureSpec, make_extractor
from mirex.frontend import FrontEnd
from mirex.inference import FrozenDCNN
from mirex.network import build_feature_model
from mirex.precision import full_float32


@pytest.mark.parametrize("artists", [10000, 5000, 1000])
def test_imported_published_model_reproduces_reference_feature(tmp_path, reference, pretrained, artists):
    wav, expected = reference
    bundle = import_keras2(pretrained / f"siamese_{artists}_artists.h5", name="m", root=tmp_path)
    assert bundle.manifest["n_artists"] == artists
    paper = FeatureSpec.parse("paper").with_bundle(str(bundle.path))
    feature = make_extractor(paper).features([audio.load(wav)])[0]
    np.testing.assert_allclose(feature, expected[f"feature_siamese{artists}"], atol=1e-3)


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


def test_lda_is_stored_and_applied(tmp_path):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    rng = np.random.default_rng(0)
    lda = LinearDiscriminantAnalysis(n_components=2).fit(rng.standard_normal((30, 256)), np.repeat([0, 1, 2], 10))
    bundle = save_bundle(name="b", feature_model=build_feature_model(seed=0), frontend=FrontEnd(), source="t",
                         lda=lda, root=tmp_path)
    extractor = make_extractor(FeatureSpec.parse("paper").with_bundle(str(bundle.path)))
    assert bundle.has_lda and extractor.reduce(rng.standard_normal((5, 256))).shape == (5, 2)
    assert make_extractor(FeatureSpec(bundle=str(bundle.path))).reduce(np.ones((1, 256))).shape == (1, 256)


def test_missing_bundle_and_bad_weights_are_user_errors(tmp_path):
    with pytest.raises(BundleError, match="no model bundle"):
        load_bundle(str(tmp_path / "nothing"))
    (tmp_path / "x.h5").write_bytes(b"not hdf5")
    with pytest.raises(BundleError, match="not a readable HDF5"):
        import_keras2(tmp_path / "x.h5", name="x", root=tmp_path)
