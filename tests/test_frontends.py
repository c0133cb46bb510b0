import librosa
import numpy as np
from conftest import REGRESSION

from mirex import audio
from mirex.frontends.mel import FrontEnd, LogMel, MelSpectrogram, logmel, mel_basis
from mirex.frontends.segments import centred, segments, standardise
from mirex.frontends.torch_mel import TorchLogMel

FE = FrontEnd()


def test_logmel_matches_the_committed_regression_values():
    mel = logmel(audio.load(REGRESSION / "tone.flac"), frontend=FE)
    assert mel.shape == (151, 128)  # 3.5 s: 1 + 77175 // 512 centred frames
    np.testing.assert_allclose(mel[:32], np.load(REGRESSION / "expected.npz")["logmel"], atol=1e-4)


def test_a_30_s_clip_has_1292_frames():
    assert logmel(np.zeros(22050 * 30, np.float32), frontend=FE).shape == (1292, 128)


def test_logmel_matches_librosa_on_odd_length_signal():
    y = np.random.default_rng(1).standard_normal(22050 * 4 + 123).astype(np.float32)
    ref = np.log10(1 + 10 * librosa.feature.melspectrogram(y=y, sr=22050, n_fft=1024, hop_length=512, power=1.0,
                                                          n_mels=128))
    np.testing.assert_allclose(logmel(y, frontend=FE).T, ref, atol=1e-4)


def test_segments_drop_remainder_and_pad_short_clips():
    mel = np.arange(300 * 128, dtype=np.float32).reshape(300, 128)
    segs = segments(mel, length=FE.segment_frames)
    assert segs.shape == (2, 129, 128)
    np.testing.assert_array_equal(segs[1, 0], mel[129])
    short = segments(mel[:50], length=FE.segment_frames)
    assert short.shape == (1, 129, 128)
    np.testing.assert_array_equal(short[0, :50], mel[:50])
    assert not short[0, 50:].any()


def test_thirty_seconds_give_ten_standardised_segments():
    y = np.zeros(22050 * 30, dtype=np.float32)
    segs = np.concatenate([LogMel(FE).segments(y), LogMel(FE).segments(y[:22050])])
    assert segs.shape == (11, 129, 128)
    np.testing.assert_allclose(segs, standardise(np.zeros(1, np.float32), frontend=FE)[0])


def test_audio_load_downmixes_and_resamples(tmp_path):
    import soundfile as sf

    t = np.arange(44100) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.zeros_like(t)], axis=1) * 0.5
    sf.write(tmp_path / "s.flac", stereo, 44100)
    y = audio.load(tmp_path / "s.flac")
    assert y.dtype == np.float32 and abs(len(y) - 22050) <= 1
    assert abs(np.abs(y).max() - 0.25) < 0.01


def test_mel_basis_is_librosas_sparse_triangles():
    basis = mel_basis(22050, 1024, 128)
    assert basis.dtype == np.float32 and basis.shape == (128, 513)
    np.testing.assert_array_equal(basis, librosa.filters.mel(sr=22050, n_fft=1024, n_mels=128).astype(np.float32))
    assert ((basis > 0).sum(axis=1) <= 40).all() and (basis > 0).sum() < 1100
    assert mel_basis(22050, 1024, 128) is basis  # computed once


def test_mel_basis_is_kept_on_disk_for_later_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("MIREX_FEATURE_CACHE", str(tmp_path))
    basis = mel_basis.__wrapped__(22050, 1024, 64)
    stored = list((tmp_path / "mel-basis").rglob("*.npy"))
    assert len(stored) == 1 and librosa.__version__ in stored[0].name
    np.testing.assert_array_equal(np.load(stored[0]), basis)
    np.save(stored[0], basis * 2)  # what a later call finds is what it uses
    np.testing.assert_array_equal(mel_basis.__wrapped__(22050, 1024, 64), basis * 2)
    np.save(stored[0], basis[:10])  # a stored basis of the wrong shape is recomputed
    np.testing.assert_array_equal(mel_basis.__wrapped__(22050, 1024, 64), basis)


def test_torch_logmel_equals_numpy():
    y = audio.load(REGRESSION / "clicks.flac")
    torch_mel = TorchLogMel(FE)
    np.testing.assert_allclose(torch_mel(y).numpy(), logmel(y, frontend=FE), atol=1e-4)
    np.testing.assert_allclose(torch_mel.cut(torch_mel(y)).numpy(), LogMel(FE).segments(y), atol=1e-4)
    np.testing.assert_allclose(torch_mel.cut(torch_mel(y), length=258).numpy(), LogMel(FE).segments(y, length=258),
                               atol=1e-4)


def test_torch_logmel_takes_any_length_dtype_and_batch():
    import torch

    torch_mel, numpy_mel = TorchLogMel(FE, device="cpu"), LogMel(FE)
    rng = np.random.default_rng(3)
    for n in (1, 700, 22050 + 511, 22050 * 4 + 123):
        y = rng.standard_normal(n) * 0.3  # float64
        np.testing.assert_allclose(torch_mel(torch.from_numpy(y)).numpy(), numpy_mel(y), atol=1e-4)
        np.testing.assert_allclose(torch_mel.cut(torch_mel(y)).numpy(), numpy_mel.segments(y), atol=1e-4)
    pair = rng.standard_normal((2, 22050)).astype(np.float32)
    np.testing.assert_allclose(torch_mel(pair)[1].numpy(), numpy_mel(pair[1]), atol=1e-4)
    np.testing.assert_allclose(torch_mel.spectrogram(pair[0]).numpy(), MelSpectrogram(FE)(pair[0]), rtol=1e-4,
                               atol=1e-5)


def test_centred_windows_cover_every_frame_and_match_the_plain_cut():
    torch_mel = TorchLogMel(FE)
    y = np.random.default_rng(4).standard_normal(22050 * 7).astype(np.float32)
    mel = torch_mel(y)
    padded = centred(mel, frontend=FE, length=129)
    assert padded.shape == (len(mel) + 128, 128)
    one = padded.unfold(0, 129, 1).transpose(1, 2)  # the window of each frame
    assert len(one) == len(mel)
    plain = torch_mel.cut(mel).numpy()
    np.testing.assert_allclose(one[64].numpy(), plain[0], atol=1e-6)
    np.testing.assert_allclose(one[64 + 129].numpy(), plain[1], atol=1e-6)
    silence = standardise(np.zeros(1, np.float32), frontend=FE)[0]
    np.testing.assert_allclose(one[0, :64].numpy(), silence, atol=1e-6)  # before the signal: silence
    np.testing.assert_allclose(one[-1, -64:].numpy(), silence, atol=1e-6)  # and after it
    np.testing.assert_allclose(centred(LogMel(FE)(y), frontend=FE, length=129).numpy(), padded.numpy(), atol=1e-4)
    assert centred(torch_mel(y[:100]), frontend=FE, length=129).shape == (129, 128)  # one frame, one window