"""The Python API: the scripts' features from arrays and files, any rate and channel layout, in threads."""
import doctest
import re
import threading

import numpy as np
import pytest
import soundfile as sf
import torch

from conftest import ROOT, synth, write_clip

import mirex
from mirex.cli import main
from mirex.errors import SignalError
from mirex.features import SpecError

#: Torch front end and network on the CPU against the scripts' NumPy path (features reach ~150).
TOL = dict(rtol=1e-4, atol=1e-3)


@pytest.fixture(scope="module")
def extractor():
    return mirex.load_extractor(device="cpu")


@pytest.fixture(scope="module")
def files(tmp_path_factory, labelled_corpus):
    """Four corpus clips (22,050 Hz mono) and a 44.1 kHz stereo one, as `mirex embed` sees them."""
    folder = tmp_path_factory.mktemp("api")
    stereo = np.stack([synth("treble", seconds=4, seed=7, sr=44100), synth("bass", seconds=4, seed=8, sr=44100)], 1)
    sf.write(folder / "stereo 44k.wav", stereo, 44100, subtype="FLOAT")
    return [path for path, _ in labelled_corpus["test"][::4]] + [str(folder / "stereo 44k.wav")]


def test_api_equals_the_scripts_features(tmp_path, files, extractor):
    listed = tmp_path / "list.txt"
    listed.write_text("".join(p + "\n" for p in files), encoding="utf-8")
    assert main(["embed", str(listed), "--out", str(tmp_path / "emb.npy"), "--cache", str(tmp_path / "c"),
                 "-numThreads", "1", "--quiet"]) == 0
    scripts = np.load(tmp_path / "emb.npy")
    assert scripts.shape == (len(files), extractor.dim) and np.isfinite(scripts).all()
    from_files = extractor.embed_files(files, cache=tmp_path / "c", n_jobs=2)
    np.testing.assert_array_equal(from_files.features, scripts)  # the same path and cache
    assert from_files.hits == len(files) and not from_files.errors
    for path, row in zip(files, scripts):
        audio, sr = sf.read(path, dtype="float32")
        np.testing.assert_allclose(extractor.embed(audio, sr), row, **TOL)
    np.testing.assert_allclose(extractor.embed_batch([sf.read(p)[0] for p in files[:3]], 22050), scripts[:3], **TOL)


def test_embed_files_reports_errors_as_data(tmp_path, files, extractor):
    (tmp_path / "bad.wav").write_bytes(b"RIFF not really")
    paths = [files[0], str(tmp_path / "bad.wav"), str(tmp_path / "missing.wav")]
    result = extractor.embed_files(paths, cache=False, n_jobs=1)
    assert result.features.shape == (3, extractor.dim) and result.hits == 0
    assert np.isfinite(result.features[0]).all() and np.isnan(result.features[1:]).all()
    assert sorted(result.errors) == [1, 2] and "bad.wav" in result.errors[1]


def test_channels_first_or_last_numpy_or_torch_any_rate(extractor):
    left, right = synth("bass", seconds=3.5, seed=1), synth("clicks", seconds=3.5, seed=2)
    mono = extractor.embed((left + right) / 2, 22050)
    assert mono.dtype == np.float32 and mono.shape == (extractor.dim,)
    np.testing.assert_allclose(extractor.embed(np.stack([left, right]), 22050), mono, atol=1e-4)
    np.testing.assert_allclose(extractor.embed(torch.from_numpy(np.stack([left, right], 1)), 22050), mono, atol=1e-4)
    with_nan = left.copy()
    with_nan[::1000] = np.nan
    assert np.isfinite(extractor.embed(with_nan.astype(np.float64), 22050)).all()
    slow = extractor.embed(synth("bass", seconds=3.5, seed=1, sr=16000), 16000)
    assert np.isfinite(slow).all() and slow.shape == mono.shape
    with pytest.raises(ValueError, match="1-D or 2-D"):
        extractor.embed(np.zeros((2, 2, 100)), 22050)


def test_segments_make_the_song_feature_and_carry_their_times():
    multilevel = mirex.load_extractor("multilevel", device="cpu")
    y = synth("treble", seconds=7, seed=3)
    segs = multilevel.embed_segments(y, 22050)
    assert segs.features.shape == (2, multilevel.segment_dim) == (2, multilevel.dim)
    np.testing.assert_allclose(segs.features.mean(axis=0), multilevel.embed(y, 22050), rtol=1e-5, atol=1e-5)
    frame = 512 / 22050
    np.testing.assert_allclose(segs.start, [0, 129 * frame])
    np.testing.assert_allclose(segs.end, [129 * frame, 258 * frame])
    short = multilevel.embed_segments(y[:22050], 22050)
    assert len(short.features) == 1 and short.end[0] == pytest.approx(1.0)
    centred = multilevel.embed_segments(y, 22050, step=2)
    assert len(centred.features) == -(-(1 + len(y) // 512) // 2) and centred.start[0] == 0
    np.testing.assert_allclose(centred.features[32], segs.features[0], atol=1e-4)  # frame 64: the first segment
    with pytest.raises(SpecError, match="no network"):
        mirex.load_extractor("mfcc", device="cpu").embed_segments(y, 22050)


def test_threads_share_one_extractor(extractor):
    signals = [synth(kind, seconds=4, seed=i) for i, kind in enumerate(("bass", "noise", "clicks", "treble"))]
    expected = [extractor.embed(y, 22050) for y in signals]
    got = [None] * len(signals)

    def run(i):
        got[i] = extractor.embed(signals[i], 22050)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(signals))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_default_device_is_cuda_when_there_is_one():
    from mirex.api import default_device

    assert default_device() == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cuda_gives_the_cpu_features(extractor, files):
    cuda = mirex.load_extractor(device="cuda")
    assert cuda.device.type == "cuda"
    y = synth("noise", seconds=5, seed=4)
    np.testing.assert_allclose(cuda.embed(torch.from_numpy(y).cuda(), 22050), extractor.embed(y, 22050), **TOL)
    np.testing.assert_allclose(cuda.embed_files(files, cache=False).features,
                               extractor.embed_files(files, cache=False).features, **TOL)


def test_readme_example_runs():
    text = (ROOT / "README.txt").read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {}, "README.txt", "README.txt", 0)
    assert len(test.examples) >= 4
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_cli_device_option_runs_the_torch_path(tmp_path, files, capsys):
    listed = tmp_path / "list.txt"
    listed.write_text("".join(p + "\n" for p in files[:2]), encoding="utf-8")
    common = [str(listed), "-numThreads", "1", "--quiet"]
    assert main(["embed", *common, "--out", str(tmp_path / "numpy.npy"), "--cache", str(tmp_path / "a")]) == 0
    assert main(["embed", *common, "--out", str(tmp_path / "torch.npy"), "--cache", str(tmp_path / "b"),
                 "--device", "cpu"]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "torch.npy"), np.load(tmp_path / "numpy.npy"), **TOL)
    assert not np.array_equal(np.load(tmp_path / "torch.npy"), np.load(tmp_path / "numpy.npy"))  # really torch
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["embed", *common, "--out", str(tmp_path / "x.npy"), "--device", "tpu"])
    assert exit_.value.code == 2 and "not a torch device" in capsys.readouterr().err


def test_scripts_trained_on_the_device_path_test_on_the_numpy_path(tmp_path, labelled_corpus):
    train = tmp_path / "train.txt"
    train.write_text("".join(f"{p}\t{label}\n" for p, label in labelled_corpus["train"][::4]), encoding="utf-8")
    test = tmp_path / "test.txt"
    test.write_text("".join(f"{p}\n" for p, _ in labelled_corpus["test"][::2]), encoding="utf-8")
    scratch, out = tmp_path / "scratch", tmp_path / "out.txt"
    assert main(["train", str(scratch), str(train), "--features", "paper", "--task-lda", "off", "--device", "cpu",
                 "-numThreads", "2", "--quiet"]) == 0
    assert main(["test", str(scratch), str(test), str(out), "--quiet"]) == 0
    predicted = [line.split("\t")[1] for line in out.read_text(encoding="utf-8").splitlines()]
    truth = [label for _, label in labelled_corpus["test"][::2]]
    assert np.mean([a == b for a, b in zip(predicted, truth)]) >= 0.75


def test_signals_take_the_file_path(tmp_path, extractor):
    """Arrays of a file's samples give the file's song features: the same front end, threads and batches."""
    clips = [synth(kind, seconds=5 + i, seed=20 + i) for i, kind in enumerate(("bass", "noise", "clicks", "treble"))]
    paths = [str(write_clip(tmp_path / f"{i}.wav", y)) for i, y in enumerate(clips)]  # 16-bit samples
    signals = [sf.read(path, dtype="float32")[0] for path in paths]
    files = extractor.embed_files(paths, cache=False, n_jobs=2).features
    np.testing.assert_allclose(extractor.embed_batch(signals, 22050, n_jobs=2), files, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(extractor.embed_batch(torch.from_numpy(np.stack([s[:22050 * 5] for s in signals])),
                                                     22050, n_jobs=1),
                               extractor.embed_batch([s[:22050 * 5] for s in signals], 22050, n_jobs=2), **TOL)
    for signal, row in zip(signals, files):  # one network call per clip: oneDNN's kernels differ by batch size
        np.testing.assert_allclose(extractor.embed(signal, 22050), row, **TOL)
        np.testing.assert_allclose(extractor.embed(signal.astype(np.float64)[:, None], 22050), row, **TOL)
    assert extractor.embed_batch([], 22050).shape == (0, extractor.dim)
    with pytest.raises(ValueError, match="no samples"):
        extractor.embed_batch([signals[0], np.zeros(0, np.float32)], 22050)


@pytest.mark.parametrize("seconds, step", [(30.0, 2), (3.74, 2), (0.5, 2), (7.3, 1), (7.3, 3)])
def test_centred_segments_from_one_pass_equal_the_windows_one_by_one(extractor, seconds, step):
    from mirex.bench.api import windows_one_by_one
    from mirex.features import feature_pipeline

    y = synth("clicks", seconds=seconds, seed=5) + synth("bass", seconds=seconds, seed=6)
    segs = extractor.embed_segments(y, 22050, step=step)
    windows = feature_pipeline()
    expected = windows.segment_features(windows_one_by_one(windows, y, step=step, length=129))
    frames = 1 + len(y) // 512
    assert segs.features.shape == expected.shape == (-(-frames // step), extractor.segment_dim)
    # every window, those reaching past the signal's ends included, to float32 rounding (values reach ~20)
    np.testing.assert_allclose(segs.features, expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(segs.start[:3], np.clip((np.arange(3) * step - 64) * 512 / 22050, 0, None))


def test_the_device_path_runs_on_the_cpu(extractor, monkeypatch):
    """What a GPU runs (PyTorch front end, network and one-pass windows; tensors kept on their device), on the CPU."""
    from mirex.features import feature_pipeline

    device = mirex.load_extractor(device="cpu")
    monkeypatch.setattr(device, "_pipeline", feature_pipeline(device="cpu"))
    signals = [synth("noise", seconds=4, seed=11), synth("treble", seconds=6, seed=12)]
    tensors = [torch.from_numpy(np.stack([y, y], 1)) for y in signals]  # channels last
    np.testing.assert_allclose(device.embed_batch(tensors, 22050), extractor.embed_batch(signals, 22050), **TOL)
    for y, tensor in zip(signals, tensors):
        np.testing.assert_allclose(device.embed_segments(tensor, 22050, step=2).features,
                                   extractor.embed_segments(y, 22050, step=2).features, **TOL)
        np.testing.assert_allclose(device.embed_segments(tensor, 22050).features,
                                   extractor.embed_segments(y, 22050).features, **TOL)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
def test_channels_are_averaged_as_numpy_averages_them(dtype):
    from mirex.audio import mean_of_channels

    rng = np.random.default_rng(9)
    for channels in range(1, 8):
        samples = (rng.uniform(-0.5, 0.5, (1000, channels)) * (30000 if dtype == np.int16 else 1)).astype(dtype)
        expected = samples.mean(axis=1, dtype=np.float32)
        np.testing.assert_array_equal(mean_of_channels(samples, axis=1), expected)
        np.testing.assert_array_equal(mean_of_channels(np.ascontiguousarray(samples.T), axis=0), expected)


@pytest.mark.parametrize("scale", [1e37, -3e38])
def test_samples_that_overflow_are_an_error_as_for_files(extractor, tmp_path, scale):
    y = synth("bass", seconds=3.5, seed=1)
    huge = (y / np.abs(y).max() * scale).astype(np.float32)
    sf.write(tmp_path / "huge.wav", huge, 22050, subtype="FLOAT")
    assert "features are not finite" in extractor.embed_files([tmp_path / "huge.wav"], cache=False).errors[0]
    message = "signal {}: features are not finite (largest |sample| " + f"{abs(scale):.3g};"
    with pytest.raises(SignalError, match=re.escape(message.format(0))):
        extractor.embed(huge, 22050)
    with pytest.raises(SignalError, match=re.escape(message.format(1))):
        extractor.embed_batch([y, torch.from_numpy(huge)], 22050)
    with pytest.raises(SignalError, match=re.escape(message.format(0))):
        extractor.embed_segments(huge, 22050, step=50)
    assert np.isfinite(extractor.embed(y.astype(np.float64) * 1e300, 22050)).all()  # inf in float32: zeroed


def test_unusable_signals_are_mirex_errors(extractor):
    for bad, reason in ((np.zeros((2, 2, 100)), "signal 0: expected 1-D or 2-D"), (np.zeros(0), "signal 0: holds no")):
        with pytest.raises(SignalError, match=reason) as caught:
            extractor.embed(bad, 22050)
        assert isinstance(caught.value, ValueError)  # what these were before
