"""The HEAR 2021 contract (what hear-validator checks), without TensorFlow."""
import numpy as np
import pytest
import soundfile as sf
import torch

import mirex
from mirex import hear
from mirex.bundle import find_bundle


@pytest.fixture(scope="module")
def model():
    return hear.load_model()


def noise(n_sounds, seconds, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand((n_sounds, int(seconds * 22050)), generator=generator) * 2 - 1


def test_model_is_a_torch_module_with_the_api_attributes(model):
    assert isinstance(model, torch.nn.Module) and model.sample_rate == 22050
    assert isinstance(model.scene_embedding_size, int) and isinstance(model.timestamp_embedding_size, int)
    assert model.to("cpu") is model and model.extractor().device.type == "cpu"


def test_scene_embeddings_are_the_default_systems_song_features(model, tmp_path):
    audio = noise(3, 3.74)
    embeddings = hear.get_scene_embeddings(audio, model)
    assert embeddings.dtype == torch.float32 and embeddings.shape == (3, model.scene_embedding_size)
    paths = []
    for i, sound in enumerate(audio.numpy()):
        paths.append(str(tmp_path / f"{i}.wav"))
        sf.write(paths[-1], sound, 22050, subtype="FLOAT")
    scripts = mirex.load_extractor(device="cpu").embed_files(paths, cache=False, n_jobs=1).features
    np.testing.assert_allclose(embeddings.numpy(), scripts, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("seconds", [2.0, 3.74, 0.1, 7.3])
def test_timestamp_embeddings_are_regular_and_centred(model, seconds):
    audio = noise(2, seconds, seed=1)
    embeddings, timestamps = hear.get_timestamp_embeddings(audio, model)
    frames = 1 + audio.shape[1] // 512
    n_times = -(-frames // hear.TIMESTAMP_STEP)
    assert embeddings.dtype == torch.float32 and timestamps.dtype == torch.float32
    assert embeddings.shape == (2, n_times, model.timestamp_embedding_size) and timestamps.shape == (2, n_times)
    assert timestamps[0, 0] == 0 and torch.all(timestamps[0] == timestamps[1])
    if n_times > 1:
        gaps = torch.diff(timestamps)
        assert torch.allclose(gaps, torch.tensor(1000 * 1024 / 22050)) and gaps.mean() <= 50
    assert torch.isfinite(embeddings).all()
    if seconds > 3:  # the window centred on frame 64 is the song feature's first segment
        first = model.extractor().embed_segments(audio[0], 22050).features[0]
        np.testing.assert_allclose(embeddings[0, 64 // hear.TIMESTAMP_STEP].numpy(), first, rtol=1e-5, atol=1e-5)


def test_a_batch_gives_each_sounds_own_embeddings(model):
    audio = noise(3, 3.74, seed=4)
    embeddings, _ = hear.get_timestamp_embeddings(audio, model)
    scene = hear.get_scene_embeddings(audio, model)
    for i, sound in enumerate(audio):
        alone, _ = hear.get_timestamp_embeddings(sound[None], model)
        np.testing.assert_allclose(embeddings[i].numpy(), alone[0].numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(scene[i].numpy(), hear.get_scene_embeddings(sound[None], model)[0].numpy(),
                                   rtol=1e-4, atol=1e-4)  # one network call per batch: oneDNN's kernels differ
    assert not np.allclose(embeddings[0].numpy(), embeddings[1].numpy())


def test_the_device_path_runs_on_the_cpu(model, monkeypatch):
    """What a GPU runs (PyTorch front end, network and one-pass windows), on the CPU."""
    from mirex.features import feature_pipeline

    audio = noise(2, 3.74, seed=5)
    expected = [hear.get_scene_embeddings(audio, model), *hear.get_timestamp_embeddings(audio, model)]
    monkeypatch.setattr(model.extractor(), "_pipeline", feature_pipeline(model.spec, device="cpu"))
    for got, want in zip([hear.get_scene_embeddings(audio, model), *hear.get_timestamp_embeddings(audio, model)],
                         expected):
        assert got.dtype == torch.float32 and got.shape == want.shape
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-3)


def test_a_bundle_folder_can_be_named():
    folder = str(find_bundle("msd-siamese-10000"))
    model = hear.load_model(folder)
    assert model.spec.bundle == folder
    audio = noise(1, 2.0, seed=2)
    np.testing.assert_allclose(hear.get_scene_embeddings(audio, model).numpy(),
                               hear.get_scene_embeddings(audio, hear.load_model()).numpy(), rtol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_moved_to_cuda_it_computes_there(model):
    audio = noise(2, 2.0, seed=3)
    cpu = hear.get_scene_embeddings(audio, model)
    model.to("cuda")
    try:
        gpu = hear.get_scene_embeddings(audio.cuda(), model)
        assert gpu.device.type == "cuda" and model.extractor().device.type == "cuda"
        np.testing.assert_allclose(gpu.cpu().numpy(), cpu.numpy(), rtol=1e-4, atol=1e-3)
    finally:
        model.to("cpu")
