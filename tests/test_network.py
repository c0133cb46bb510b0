import numpy as np

from mirex.network import build_feature_model, build_softmax_model


def test_feature_model_shapes_follow_table_1():
    model = build_feature_model(seed=0)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["max_pooling1d_1"] == (32, 128)
    assert shapes["max_pooling1d_2"] == (8, 128)
    assert shapes["max_pooling1d_3"] == (2, 128)
    assert shapes["max_pooling1d_4"] == (1, 128)
    assert shapes["feature"] == (256,)
    out = model.predict_on_batch(np.zeros((3, 129, 128), np.float32))
    assert out.shape == (3, 256)


def test_softmax_head_outputs_artist_distribution():
    model = build_softmax_model(build_feature_model(seed=0), n_artists=7)
    probs = model.predict_on_batch(np.random.default_rng(0).standard_normal((2, 129, 128)).astype(np.float32))
    assert probs.shape == (2, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-5)
