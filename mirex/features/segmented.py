"""Segment features: one row per network segment of a clip, for classifiers trained on segments.

A :class:`SegmentPipeline` wraps a :class:`~mirex.features.pipeline.FeaturePipeline`
of a single-scale network system and runs through :func:`mirex.extract.extract`
like it. Its network pass keeps every segment's pooled outputs in the feature
cache (its own namespace, ``...-segments``) rather than their mean and std, and
the song feature, equal to the wrapped pipeline's, is derived from them.

A segment's row is what the song feature holds for one segment: the spec's
blocks and pooling of that segment's outputs, then the clip's timbre
statistics when the spec has ``+mfcc`` (the same on each segment of a clip:
they are a song statistic), then the bundle's artist LDA when the spec asks
for it (an affine map, so it may be applied per segment). The mean of a
clip's rows is the mean part of its song feature (for ``stats=mean``, the
song feature itself). A system with several segment lengths has no single
segment and gets no segment rows (:func:`segment_support`); nor does one that
applies the artist LDA to ``stats=meanstd`` features (the LDA takes both
statistics, a segment has one).

At most :data:`MAX_SEGMENTS` segments of a clip, evenly spaced, give rows, so
that training on segments costs at most that many times the clips. Each
file's result travels through :func:`~mirex.extract.extract` as one
fixed-length row: the number of segment rows, the song feature, then
``MAX_SEGMENTS`` segment rows, those beyond the clip's count NaN.
"""
from dataclasses import dataclass

import numpy as np
import torch

from mirex.extract import Extraction, cached_features
from mirex.features import timbre
from mirex.features.pipeline import TIMBRE_PASS
from mirex.features.spec import SpecError
from mirex.log import logger

__all__ = ["MAX_SEGMENTS", "MAX_ROWS", "SegmentPipeline", "SegmentExtraction", "segment_support", "segments_wanted",
           "cached_segments", "spread"]

#: Segments of one clip that give rows at most (a 30-s clip has ten 3-s segments).
MAX_SEGMENTS = 10
#: ``--segments auto`` is skipped when the training list could give more segment rows than this.
MAX_ROWS = 20_000


def segment_support(pipeline):
    """Why ``pipeline``'s system has no segment rows (a one-line reason), or None when it has them."""
    spec = pipeline.spec
    if not spec.uses_network:
        return f"{spec}: a system without a network has no segments"
    if spec.ivector:
        return f"{spec}: the i-vector describes a whole clip, not its segments"
    if len(pipeline.passes) - spec.mfcc > 1:
        return f"{spec}: a system with several segment lengths has no single segment"
    if pipeline.lda is not None and spec.stats != "mean":
        return f"{spec}: the artist LDA takes the mean and std over segments, which one segment does not have"
    return None


def segments_wanted(pipeline, *, mode, n_clips):
    """Whether training extracts segment rows under ``--segments MODE`` for ``n_clips`` training files.

    ``auto`` skips, with a log line, a system without segment rows and a list
    that could give more than :data:`MAX_ROWS` of them.

    Raises
    ------
    SpecError
        For ``on`` with a system that has no segment rows.
    """
    reason = segment_support(pipeline)
    if mode == "on" and reason is not None:
        raise SpecError(f"--segments on: {reason}")
    if mode == "auto" and reason is None and n_clips * MAX_SEGMENTS > MAX_ROWS:
        reason = f"{n_clips} clips could give more than {MAX_ROWS} segment rows"
    if mode == "auto" and reason is not None:
        logger.info(f"no segment-level candidate: {reason}")
    return mode != "off" and reason is None


def spread(count, *, limit=MAX_SEGMENTS):
    """Indices of at most ``limit`` evenly spaced items among ``count``, ascending, first and last included."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(int))


class SegmentPipeline:
    """The stages :func:`mirex.extract.extract` runs, giving each file's segment rows and song feature.

    Parameters
    ----------
    pipeline : mirex.features.FeaturePipeline
        A system for which :func:`segment_support` is None.

    Raises
    ------
    ValueError
        If the system has no segment rows.
    """

    def __init__(self, pipeline):
        reason = segment_support(pipeline)
        if reason is not None:
            raise ValueError(reason)
        self.pipeline = pipeline
        self.spec, self.sr, self.lda = pipeline.spec, pipeline.sr, pipeline.lda
        #: Own pass name -> the wrapped pipeline's.
        self.sources = {name if name == TIMBRE_PASS else f"{name}-segments": name for name in pipeline.passes}
        self.passes = {name: pipeline.passes[source] for name, source in self.sources.items()}
        self.network_pass = next(name for name, source in self.sources.items() if source != TIMBRE_PASS)
        width = sum(pipeline.network.widths)
        self.row_dim = pipeline.segment_features(np.zeros((1, 2, width), np.float32)).shape[1]
        self.row_dim += timbre.DIM * self.spec.mfcc
        #: Widths of the song feature and of a segment row after :meth:`reduce`.
        self.reduced_dims = (pipeline.reduced_dim, self.row_dim if self.lda is None else pipeline.reduced_dim)

    @property
    def fingerprint(self):
        """Names the cached passes (the wrapped system's, its network pass as segments)."""
        return "+".join(self.passes)

    @property
    def dim(self):
        """Length of a file's packed row: the count, the song feature, :data:`MAX_SEGMENTS` segment rows."""
        return 1 + self.pipeline.dim + MAX_SEGMENTS * self.row_dim

    def prepare(self, blocks, passes):
        """The wrapped pipeline's inputs of the named passes.

        As :meth:`mirex.features.pipeline.FeaturePipeline.prepare`, keyed by this pipeline's pass names.
        """
        inputs = self.pipeline.prepare(blocks, [self.sources[name] for name in passes])
        return {name: inputs[self.sources[name]] for name in passes}

    def compute(self, name, inputs):
        """Cache entries of one pass: each clip's pooled segment outputs (n_segments, 2, width), or its timbre."""
        if name != self.network_pass:
            return self.pipeline.compute(self.sources[name], inputs)
        joined = np.concatenate(inputs) if isinstance(inputs[0], np.ndarray) else torch.cat(inputs)
        pooled = self.pipeline.pooled(joined)
        ends = np.cumsum([len(x) for x in inputs])
        return [np.asarray(part, dtype=np.float32) for part in np.split(pooled, ends[:-1])]

    def combine(self, entries):
        """A file's packed row from its entries (pass name -> cached entry), shape (dim,)."""
        segs = entries[self.network_pass]
        song = {source: entries[name] for name, source in self.sources.items()}
        song[self.sources[self.network_pass]] = np.stack([segs.mean(axis=0, dtype=np.float64),
                                                          segs.std(axis=0, dtype=np.float64)]).astype(np.float32)
        rows = self.pipeline.segment_features(segs[spread(len(segs))])
        if self.spec.mfcc:
            rows = np.hstack([rows, np.tile(entries[TIMBRE_PASS], (len(rows), 1))])
        packed = np.full(self.dim, np.nan, dtype=np.float32)
        packed[0] = len(rows)
        packed[1:1 + self.pipeline.dim] = self.pipeline.combine(song)
        packed[1 + self.pipeline.dim:][:rows.size] = rows.ravel()
        return packed

    def reduce(self, features):
        """Apply the bundle's artist LDA, when the spec asks for it, to the song feature and to each segment row.

        Returns packed rows of width ``1 + reduced_dims[0] + MAX_SEGMENTS * reduced_dims[1]``; NaN stays NaN.
        """
        if self.lda is None:
            return features
        n, song_dim = len(features), self.pipeline.dim
        rows = features[:, 1 + song_dim:].reshape(n * MAX_SEGMENTS, self.row_dim)
        return np.hstack([features[:, :1], self.pipeline.reduce(features[:, 1:1 + song_dim]),
                          self.pipeline.reduce(rows).reshape(n, -1)])


@dataclass
class SegmentExtraction(Extraction):
    """An :class:`~mirex.extract.Extraction` of song features with the files' segment rows.

    Attributes
    ----------
    counts : np.ndarray of int, shape (n_files,)
        Segment rows of each file (0 for files that failed).
    rows : np.ndarray, float32, shape (n_files, MAX_SEGMENTS, row width)
        Each file's segment rows, NaN beyond its count.
    """

    counts: np.ndarray = None
    rows: np.ndarray = None

    def segments(self, mask):
        """The segment rows of the files in ``mask`` (boolean, one per file), and the owner of each row.

        Returns
        -------
        rows : np.ndarray, shape (m, row width)
        owners : np.ndarray of int, shape (m,)
            The row's file, numbered among those in ``mask`` (0, 1, ...).
        """
        counts = self.counts[mask]
        owners = np.repeat(np.arange(len(counts)), counts)
        taken = np.arange(MAX_SEGMENTS)[None, :] < counts[:, None]
        return self.rows[mask][taken], owners


def cached_segments(paths, *, extractor, cache_dir, n_jobs=None, progress=False, warn):
    """Song features and segment rows: :func:`~mirex.extract.cached_features` of a :class:`SegmentPipeline`.

    Parameters
    ----------
    paths : sequence of str
    extractor : mirex.features.FeaturePipeline
        A system for which :func:`segment_support` is None.
    cache_dir, n_jobs, progress, warn
        As for :func:`~mirex.extract.cached_features`.

    Returns
    -------
    SegmentExtraction
        ``features``: the song features, as :func:`~mirex.extract.cached_features` gives them with ``extractor``.
    """
    segmented = SegmentPipeline(extractor)
    packed = cached_features(paths, extractor=segmented, cache_dir=cache_dir, n_jobs=n_jobs, progress=progress,
                             warn=warn)
    song_dim, row_dim = segmented.reduced_dims
    counts = np.nan_to_num(packed.features[:, 0]).astype(int)
    rows = packed.features[:, 1 + song_dim:].reshape(len(paths), MAX_SEGMENTS, row_dim)
    return SegmentExtraction(features=packed.features[:, 1:1 + song_dim], errors=packed.errors, hits=packed.hits,
                             counts=counts, rows=rows)
