"""CPU cost of each stage of song-feature extraction, one thread, in this process.

Where the time goes, independent of how busy the machine is (CPU time, not
wall time): the fast path's stages (hashing for the cache, decoding, the
inputs of every pass from one mel spectrogram, each pass's computation, the
selection of the song feature, the cache write) and the baseline's
(``librosa.load``, then the rest of the straightforward path).
"""
import tempfile
import time
from collections import Counter

from mirex.audio import load, stream
from mirex.bench.baseline import baseline_features
from mirex.cache import FeatureCache, content_key
from mirex.malloc import keep_freed_memory
from mirex.threads import one_thread_per_task

__all__ = ["stage_costs"]


def stage_costs(paths, *, extractor, batch_clips=32):
    """CPU milliseconds per clip of each stage, in pipeline order.

    Parameters
    ----------
    paths : sequence of str
        Clips to run (a few dozen are enough).
    extractor : mirex.features.FeaturePipeline
    batch_clips : int
        Clips per network batch, as in :func:`mirex.extract.extract`.

    Returns
    -------
    dict of str to float
    """
    with one_thread_per_task():  # as extract() runs them; idle BLAS threads would count as CPU time
        return _timed_stages(paths, extractor=extractor, batch_clips=batch_clips)


def _timed_stages(paths, *, extractor, batch_clips):
    import librosa

    keep_freed_memory()  # as extract() does
    baseline_features(paths[:1], extractor=extractor)  # warm both paths
    extractor.features([load(paths[0], sr=extractor.sr)])
    spent = Counter()

    def timed(stage, work, *args, **kwargs):
        start = time.process_time()
        result = work(*args, **kwargs)
        spent[stage] += time.process_time() - start
        return result

    inputs = []
    for path in paths:
        timed("fast: hash file (cache key)", content_key, path)
        blocks = timed("fast: decode (soundfile)", _decoded, path, sr=extractor.sr)
        inputs.append(timed("fast: inputs of every pass (one mel spectrogram)", extractor.prepare, blocks,
                            list(extractor.passes)))
    entries = [{} for _ in paths]
    for name, length in extractor.passes.items():
        for start in range(0, len(paths), batch_clips):
            batch = [x[name] for x in inputs[start : start + batch_clips]]
            for offset, entry in enumerate(timed(f"fast: {_label(name, length)}", extractor.compute, name, batch)):
                entries[start + offset][name] = entry
    rows = [timed("fast: song feature from the entries", extractor.combine, e) for e in entries]
    with tempfile.TemporaryDirectory() as folder:
        cache = FeatureCache(folder)
        for path, row in zip(paths, rows):
            timed("fast: cache write", cache.put, "stages", content_key(path), row)
    for path in paths:
        timed("baseline: librosa.load", librosa.load, path, sr=extractor.sr, mono=True)
        timed("baseline: the whole clip (load, librosa, Keras)", baseline_features, [path], extractor=extractor)
    return {stage: 1000 * seconds / len(paths) for stage, seconds in spent.items()}


def _decoded(path, *, sr):
    """The blocks extract() gives the extractor: 16-bit samples where the file has them."""
    return list(stream(path, sr=sr, pcm16=True))


def _label(name, length):
    return "timbre statistics" if length is None else f"network pass, {length}-frame segments"
