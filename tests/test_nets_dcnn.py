"""The DCNN builder of Table 1 and the softmax head training puts on it."""
import numpy as np

from mirex.frontends.mel import FrontEnd
from mirex.nets.dcnn import BLOCK_LAYERS, build_feature_model
from mirex.nets.heads import build_training_model


def test_feature_model_shapes_follow_table_1():
    model = build_feature_model(seed=0)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["max_pooling1d_1"] == (32, 128)
    assert shapes["max_pooling1d_2"] == (8, 128)
    assert shapes["max_pooling1d_3"] == (2, 128)
    assert shapes["max_pooling1d_4"] == (1, 128)
    assert shapes["feature"] == (256,)
    assert [shapes[name] for name in BLOCK_LAYERS] == [(32, 128), (8, 128), (2, 128), (1, 128), (1, 256)]
    out = model.predict_on_batch(np.zeros((3, 129, 128), np.float32))
    assert out.shape == (3, 256)


def test_softmax_head_outputs_artist_distribution():
    model = build_training_model(build_feature_model(seed=0), outputs={"artist": (7, "softmax")}, seed=0)
    probs = model.predict_on_batch(np.random.default_rng(0).standard_normal((2, 129, 128)).astype(np.float32))
    assert probs.shape == (2, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-5)


def test_the_input_shape_is_the_front_ends_segment():
    model = build_feature_model(frontend=FrontEnd(segment_frames=200, n_mels=64), l2=0)
    assert tuple(model.input.shape[1:]) == (200, 64) and tuple(model.output.shape[1:]) == (256,)
