"""Fast feature extraction: same numbers as the straightforward path, order, errors, bounded work in flight."""
import sys

import numpy as np
import pytest
import soundfile as sf

from conftest import synth, write_clip

from mirex import extract as ex
from mirex.audio import load
from mirex.bench.baseline import baseline_features, baseline_logmel
from mirex.cache import FeatureCache
from mirex.features import feature_pipeline
from mirex.frontends.mel import FrontEnd, LogMel


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Three mono 22,050 Hz clips and one stereo 44,100 Hz FLAC of odd length."""
    folder = tmp_path_factory.mktemp("extract")
    paths = [write_clip(folder / f"{kind}.wav", synth(kind, seconds=7, seed=i))
             for i, kind in enumerate(("bass", "noise", "clicks"))]
    stereo = np.stack([synth("treble", seconds=4.3, seed=9, sr=44100), synth("bass", seconds=4.3, seed=8, sr=44100)], 1)
    sf.write(folder / "stereo.flac", stereo, 44100)
    return [str(p) for p in paths] + [str(folder / "stereo.flac")]


@pytest.fixture(scope="module")
def extractor():
    return feature_pipeline("paper")


@pytest.mark.parametrize("system", ["paper", "hybrid"])
def test_fast_path_equals_straightforward_librosa_path(clips, system):
    import librosa

    extractor = feature_pipeline(system)
    logmel = LogMel(extractor.bundle.frontend)
    for path in clips:
        y, _ = librosa.load(path, sr=22050, mono=True)
        np.testing.assert_allclose(logmel(load(path)), baseline_logmel(y, frontend=FrontEnd()), atol=1e-4)
    fast = ex.extract(clips, extractor=extractor, n_jobs=3)
    assert not fast.errors
    np.testing.assert_allclose(fast.features, baseline_features(clips, extractor=extractor), atol=1e-3)


def test_threads_and_one_thread_agree_keep_order_and_report_bad_files(clips, extractor, tmp_path):
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF not really a wave file" * 50)
    paths = [clips[0], str(tmp_path / "missing.wav"), str(garbage), *clips[1:]]
    alone = ex.extract(paths, extractor=extractor, n_jobs=1)
    cache = FeatureCache(tmp_path / "cache")
    pooled = ex.extract(paths, extractor=extractor, n_jobs=3, cache=cache, batch_clips=2)
    for result in (alone, pooled):
        assert sorted(result.errors) == [1, 2] and "no such file" in result.errors[1]
        assert np.isnan(result.features[[1, 2]]).all() and np.isfinite(result.features[result.ok]).all()
    np.testing.assert_allclose(pooled.features[pooled.ok], alone.features[alone.ok], atol=1e-6)
    again = ex.extract(paths, extractor=extractor, n_jobs=3, cache=cache)
    assert again.hits == len(clips) and sorted(again.errors) == [1, 2]
    np.testing.assert_array_equal(again.features[again.ok], pooled.features[pooled.ok])


def test_decoders_that_print_are_silenced_without_losing_stderr(tmp_path, capfd, extractor):
    import os

    rng = np.random.default_rng(3)
    junk = []
    for i in range(6):  # mpg123 prints notes about each of these
        junk.append(tmp_path / f"junk{i}.mp3")
        junk[-1].write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x10" + rng.bytes(20000))
    good = write_clip(tmp_path / "good.wav", synth("bass", seconds=4, seed=1))
    before = os.fstat(2)
    result = ex.extract([str(p) for p in [*junk, good] * 2], extractor=extractor, n_jobs=3, batch_clips=1)
    assert sorted(result.errors) == [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]
    assert capfd.readouterr().err == ""
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
    print("still here", file=sys.stderr)
    assert capfd.readouterr().err == "still here\n"
