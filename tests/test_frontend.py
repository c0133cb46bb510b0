import librosa
import numpy as np

from mirex import audio
from mirex.frontend import FrontEnd, LogMel, logmel, segments, stack_segments, standardise

FE = FrontEnd()


def test_logmel_matches_reference(reference):
    wav, expected = reference
    mel = logmel(audio.load(wav), frontend=FE)
    assert mel.shape == (1292, 128)
    np.testing.assert_allclose(mel.T, expected["logmel"], atol=1e-4)


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
    segs, owner = stack_segments([LogMel(FE).segments(y), LogMel(FE).segments(y[:22050])])
    assert segs.shape == (11, 129, 128) and owner.tolist() == [0] * 10 + [1]
    np.testing.assert_allclose(segs, standardise(np.zeros(1, np.float32), frontend=FE)[0])


def test_audio_load_downmixes_and_resamples(tmp_path):
    import soundfile as sf

    t = np.arange(44100) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.zeros_like(t)], axis=1) * 0.5
    sf.write(tmp_path / "s.flac", stereo, 44100)
    y = audio.load(tmp_path / "s.flac")
    assert y.dtype == np.float32 and abs(len(y) - 22050) <= 1
    assert abs(np.abs(y).max() - 0.25) < 0.01
