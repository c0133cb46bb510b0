"""Block-wise decoding, log-mel and timbre statistics equal the whole-signal ones, however the blocks fall."""
import numpy as np
import pytest
import soundfile as sf

from conftest import SR, synth

from mirex.audio import as_float32, load, stream
from mirex.errors import AudioError
from mirex.features import timbre
from mirex.features.pipeline import TIMBRE_PASS
from mirex.frontends.mel import FrontEnd, LogMel, MelSpectrogram


def cut(y, rng, count):
    """``y`` in blocks at ``count`` random places (empty blocks and one-sample blocks included)."""
    return np.split(y, sorted(rng.integers(0, len(y) + 1, size=count)))


@pytest.mark.parametrize("rate, channels, subtype", [(SR, 1, "PCM_16"), (44100, 2, "PCM_16"), (48000, 1, "FLOAT"),
                                                     (8000, 1, "PCM_24"), (96000, 6, "PCM_16"), (8000, 1, "GSM610")])
def test_stream_equals_load(tmp_path, rate, channels, subtype):
    y = np.random.default_rng(rate).uniform(-0.5, 0.5, (int(rate * 4.3), channels)).astype(np.float32)
    path = tmp_path / "clip.wav"
    sf.write(path, y, rate, subtype=subtype)
    whole = load(path, sr=SR)
    for seconds in (0.25, 1.0, 30.0):
        blocks = list(stream(path, sr=SR, block_seconds=seconds))
        assert all(b.dtype == np.float32 and b.ndim == 1 and b.size for b in blocks)
        assert len(blocks) >= min(4.3 / seconds, 2) or seconds == 30.0
        np.testing.assert_allclose(np.concatenate(blocks), whole, rtol=0, atol=1e-6)


@pytest.mark.parametrize("rate, channels, subtype, raw", [(SR, 1, "PCM_16", True), (SR, 2, "PCM_16", False),
                                                          (44100, 1, "PCM_16", False), (SR, 1, "FLOAT", False)])
def test_pcm16_stream_keeps_the_stored_samples_of_mono_16_bit_files_at_the_rate(tmp_path, rate, channels, subtype, raw):
    y = np.random.default_rng(3).uniform(-0.9, 0.9, (int(rate * 2.2), channels)).astype(np.float32)
    path = tmp_path / "clip.wav"
    sf.write(path, y, rate, subtype=subtype)
    floats = list(stream(path, sr=SR, block_seconds=0.5))
    blocks = list(stream(path, sr=SR, block_seconds=0.5, pcm16=True))
    assert {b.dtype for b in blocks} == {np.dtype(np.int16) if raw else np.dtype(np.float32)}
    assert len(blocks) == len(floats)
    for block, float_block in zip(blocks, floats):
        np.testing.assert_array_equal(as_float32(block), float_block)  # exactly: a power-of-two scale


def test_logmel_of_16_bit_blocks_equals_that_of_their_float_samples():
    pcm = (np.random.default_rng(4).standard_normal(3 * SR + 99) * 6000).clip(-32768, 32767).astype(np.int16)
    logmel = LogMel(FrontEnd())
    whole = logmel(as_float32(pcm))
    for blocks in ([pcm], cut(pcm, np.random.default_rng(5), 5)):
        np.testing.assert_allclose(logmel.from_blocks(iter(blocks)), whole, rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="all int16 or all float"):
        logmel.from_blocks(iter([pcm[:5000], as_float32(pcm[5000:])]))


def test_stream_reports_like_load(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "junk.wav").write_bytes(np.random.default_rng(0).bytes(3000))
    for name, reason in (("missing.wav", "no such file"), ("empty.wav", "empty file"), ("junk.wav", "cannot decode")):
        with pytest.raises(AudioError, match=reason):
            list(stream(tmp_path / name, sr=SR))


@pytest.mark.parametrize("length", [0, 1, 511, 512, 513, 1024, 3 * SR + 7, 100_000])
def test_logmel_from_blocks_equals_whole(length):
    rng = np.random.default_rng(length)
    y = rng.standard_normal(length).astype(np.float32)
    logmel = LogMel(FrontEnd())
    whole = logmel(y)
    strided = np.repeat(y, 2)[::2]  # the same samples, not contiguous
    read_only = y.copy()
    read_only.flags.writeable = False
    for blocks in ([y], cut(y, rng, 1), cut(y, rng, 7), np.array_split(y, max(1, length // 333)),
                   cut(strided, rng, 3), [read_only]):
        got = logmel.from_blocks(iter(blocks))
        assert got.shape == whole.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, whole, rtol=0, atol=1e-5)


@pytest.mark.parametrize("seconds", [0.03, 0.1, 3.0, 7.0])
def test_pass_inputs_from_blocks_equal_the_whole_signal_ones(seconds):
    from mirex.features import feature_pipeline

    y = synth("treble", seconds=seconds, seed=5) + synth("clicks", seconds=seconds, seed=6) * 0.5
    y[: len(y) // 3] *= 0.001  # a quiet start: the 80 dB floor is set by the loud rest
    extractor = feature_pipeline("dcnn:blocks=1-5,seg=129+258,+mfcc")
    whole = extractor.prepare([y], extractor.passes)
    np.testing.assert_allclose(whole[TIMBRE_PASS], timbre.timbre_statistics(MelSpectrogram(timbre.FRONTEND)(y)))
    rng = np.random.default_rng(1)
    for blocks in (cut(y, rng, 1), cut(y, rng, 6), np.array_split(y, max(1, len(y) // 3000))):
        got = extractor.prepare(iter(blocks), extractor.passes)
        for name in extractor.passes:
            np.testing.assert_allclose(got[name], whole[name], rtol=0, atol=1e-4)
