"""The architecture registry, the waveform front end, and the frozen per-block PyTorch copies."""
import numpy as np
import pytest

from mirex.bundle import ARCHITECTURES
from mirex.frontends import WaveformFrontEnd, frontend_from_dict
from mirex.frontends.mel import FrontEnd
from mirex.nets import ARCHS, get_arch
from mirex.nets.weights import weights_of


def _randomise_norms(model, rng):
    """Give every batch norm non-trivial statistics, so the frozen copy's arithmetic is tested."""
    for layer in model.layers:
        if layer.__class__.__name__ == "BatchNormalization":
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.1, beta.shape),
                               rng.normal(0, 0.1, mean.shape), rng.uniform(0.5, 2, var.shape)])


@pytest.mark.parametrize("name, dim, widths", [
    ("samplecnn", 512, [128, 128, 256, 256, 256, 256, 256, 256, 512, 512]),
    ("resse", 1024, [128, 128, 256, 256, 256, 256, 256, 256, 512]),
])
def test_frozen_blocks_equal_the_keras_model(name, dim, widths):
    arch = get_arch(name)
    model = arch.build_feature_model(seed=0)
    rng = np.random.default_rng(1)
    _randomise_norms(model, rng)
    assert model.output.shape[-1] == dim
    x = (rng.standard_normal((2, 59049)) * 0.3).astype(np.float32)
    expected = [np.asarray(a).transpose(0, 2, 1) for a in arch.blocks_model(model).predict_on_batch(x[:, :, None])]
    frozen = arch.frozen_blocks(weights_of(model))
    got = frozen.activations(x)
    assert [g.shape[1] for g in got] == widths
    assert [g.shape[2] for g in got][:3] == [6561, 2187, 729] and got[8].shape[2] == 1
    for index, (g, e) in enumerate(zip(got, expected), start=1):
        np.testing.assert_allclose(g, e, atol=1e-4, rtol=1e-4, err_msg=f"block {index}")
    some = frozen.activations(x, blocks=[5, 2])
    assert len(some) == 2 and np.array_equal(some[0], got[1]) and np.array_equal(some[1], got[4])
    pooled = frozen(x, batch_size=1)
    assert pooled.shape == (2, 2, sum(widths)) and list(frozen.widths) == widths
    np.testing.assert_allclose(pooled[:, 0, :128], got[0].max(axis=-1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(pooled[:, 1, -widths[-1]:], got[-1].mean(axis=-1), rtol=1e-5, atol=1e-5)
    multi_level = np.concatenate([e.max(axis=-1) for e in expected[-3:]], axis=1)
    feature = np.asarray(model.predict_on_batch(x[:, :, None]))
    np.testing.assert_allclose(feature, multi_level if name == "resse" else expected[-1][:, :, 0], atol=1e-5)


def test_registry_and_front_ends():
    assert set(ARCHS) == {"dcnn", "samplecnn", "resse"}
    assert tuple(ARCHS) == ARCHITECTURES  # the names a bundle's manifest may give, each with its network here
    assert [get_arch(n).frontend for n in ("dcnn", "samplecnn", "resse")] == ["mel", "waveform", "waveform"]
    assert len(get_arch("dcnn").blocks) == 5 and get_arch("resse").hidden and not get_arch("samplecnn").hidden
    with pytest.raises(ValueError, match="architecture must be one of"):
        get_arch("vgg")
    wave = WaveformFrontEnd()
    assert wave.to_dict() == {"kind": "waveform", "sr": 22050, "segment_samples": 59049}
    assert frontend_from_dict(wave.to_dict()) == wave
    assert frontend_from_dict(FrontEnd().to_dict()) == FrontEnd()  # no kind: a mel front end (older manifests)
    with pytest.raises(ValueError, match="front-end kind"):
        frontend_from_dict({"kind": "cqt"})
    y = np.arange(2 * 59049 + 5, dtype=np.float32)
    segs = wave.segments(y)
    assert segs.shape == (2, 59049) and segs[1, 0] == 59049  # non-overlapping, remainder dropped
    short = wave.segments(np.ones(100))
    assert short.shape == (1, 59049) and short.sum() == 100  # zero-padded to one segment


def test_heads_compute_in_float32_under_mixed_precision():
    import keras

    from mirex.nets.heads import build_training_model

    policy = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        features = get_arch("dcnn").build_feature_model(seed=0)
        model = build_training_model(features, outputs={"artist": (3, "softmax"), "album": (2, "softmax")},
                                     hidden=True)
    finally:
        keras.mixed_precision.set_global_policy(policy)
    assert features.get_layer("conv1d_1").compute_dtype == "float16"
    assert model.get_layer("artist").compute_dtype == model.get_layer("album").compute_dtype == "float32"
    assert set(model.output) == {"artist", "album"} and model.get_layer("hidden").units == 256
    assert keras.mixed_precision.dtype_policy().name == policy.name
