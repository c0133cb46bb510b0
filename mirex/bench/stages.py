"""CPU cost of each stage of song-feature extraction, one thread, in this process.

Where the time goes, independent of how busy the machine is (CPU time, not
wall time): the fast path's stages (hashing for the cache, decoding, log-mel
and segments, the network, the cache write) and the baseline's
(``librosa.load``, librosa mel, one Keras call).
"""
import tempfile
import time
from collections import Counter

import numpy as np

from mirex import frontend as fe
from mirex.audio import load
from mirex.bench.baseline import baseline_logmel
from mirex.cache import FeatureCache, content_key
from mirex.extractors import DCNNExtractor
from mirex.malloc import keep_freed_memory

__all__ = ["stage_costs"]


def stage_costs(paths, *, bundle, batch_clips=32):
    """CPU milliseconds per clip of each stage, in pipeline order.

    Parameters
    ----------
    paths : sequence of str
        Clips to run (a few dozen are enough).
    bundle : mirex.bundle.Bundle
    batch_clips : int
        Clips per network batch, as in :func:`mirex.extract.extract`.

    Returns
    -------
    dict of str to float
    """
    import librosa
    import torch

    torch.set_num_threads(1)
    keep_freed_memory()  # as extract() does
    extractor = DCNNExtractor(bundle)
    bundle.embed_segments(np.zeros((2, bundle.frontend.segment_frames, bundle.frontend.n_mels), np.float32))
    bundle.feature_model.predict_on_batch(np.zeros((2, bundle.frontend.segment_frames, bundle.frontend.n_mels)))
    spent = Counter()

    def timed(stage, work, *args, **kwargs):
        start = time.process_time()
        result = work(*args, **kwargs)
        spent[stage] += time.process_time() - start
        return result

    clips = []
    for path in paths:
        timed("fast: hash file (cache key)", content_key, path)
        y = timed("fast: decode (soundfile)", load, path)
        segs = timed("fast: log-mel + segments", extractor.clip_stage, y)
        clips.append(segs)
    rows = [timed("fast: network + song mean", extractor.batch_stage, clips[i : i + batch_clips])
            for i in range(0, len(clips), batch_clips)]
    with tempfile.TemporaryDirectory() as folder:
        cache = FeatureCache(folder)
        for path, row in zip(paths, np.concatenate(rows)):
            timed("fast: cache write", cache.put, extractor.fingerprint, content_key(path), row)
    for path in paths:
        y, _ = timed("baseline: librosa.load", librosa.load, path, sr=bundle.frontend.sr, mono=True)
        mel = timed("baseline: librosa mel", baseline_logmel, y, frontend=bundle.frontend)
        segs = fe.standardise(fe.segments(mel, frontend=bundle.frontend), frontend=bundle.frontend)
        timed("baseline: Keras call per clip", bundle.feature_model.predict_on_batch, segs)
    return {stage: 1000 * seconds / len(paths) for stage, seconds in spent.items()}
