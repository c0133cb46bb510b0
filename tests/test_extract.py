"""Fast feature extraction: same numbers as the straightforward path, order, errors, bounded work in flight."""
import pickle
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from conftest import ROOT, synth, write_clip

from mirex import extract as ex
from mirex.audio import load
from mirex.bench.baseline import baseline_features, baseline_logmel
from mirex.bundle import load_bundle
from mirex.cache import FeatureCache
from mirex.extractors import DCNNExtractor
from mirex.frontend import FrontEnd, LogMel


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
    return DCNNExtractor(load_bundle())


def test_fast_path_equals_straightforward_librosa_path(clips, extractor):
    import librosa

    logmel = LogMel(extractor.bundle.frontend)
    for path in clips:
        y, _ = librosa.load(path, sr=22050, mono=True)
        np.testing.assert_allclose(logmel(load(path)), baseline_logmel(y, frontend=FrontEnd()), atol=1e-4)
    fast = ex.extract(clips, extractor=extractor, n_jobs=3)
    assert not fast.errors
    np.testing.assert_allclose(fast.features, baseline_features(clips, bundle=extractor.bundle), atol=1e-3)


def test_workers_and_one_process_agree_keep_order_and_report_bad_files(clips, extractor, tmp_path):
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


def test_cores_are_split_between_workers_and_network_threads():
    assert ex.thread_split(1) == (0, 1)
    assert ex.thread_split(2) == (2, 1)
    assert ex.thread_split(16) == (11, 5)


def test_workers_run_ahead_of_the_consumer_by_a_bounded_number_of_files(tmp_path):
    audio = write_clip(tmp_path / "short.wav", synth("noise", seconds=0.2, seed=1))
    marks = tmp_path / "marks"
    marks.mkdir()

    def stage(y, folder=marks):  # pickled by value: leaves one mark per file processed
        import uuid

        (folder / uuid.uuid4().hex).touch()
        return len(y)

    paths = [str(audio)] * 80
    results = ex._in_order(paths, workers=2, sr=22050, stage=stage, cache=None, namespace="")
    assert next(results)[0] == "clip"
    time.sleep(1.5)  # unbounded workers would finish the whole list meanwhile
    ahead = len(list(marks.iterdir()))
    assert ahead <= (ex.TASKS_PER_WORKER * 2 + 1) * ex.TASK_FILES
    assert sum(1 for _ in results) == len(paths) - 1
    assert len(list(marks.iterdir())) == len(paths)


def test_worker_stage_needs_neither_torch_nor_librosa(extractor):
    code = (
        "import pickle, sys\nimport numpy as np\n"
        "stage = pickle.loads(sys.stdin.buffer.read())\n"
        "segs = stage(np.zeros(22050 * 4, np.float32))\n"
        "assert segs.shape == (1, 129, 128), segs.shape\n"
        "assert 'torch' not in sys.modules and 'librosa' not in sys.modules and 'keras' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(extractor.clip_stage), capture_output=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
