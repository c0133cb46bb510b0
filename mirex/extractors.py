"""Song-level feature extractors: the artist DCNN and an MFCC baseline.

An extractor turns a batch of decoded signals into one feature row per signal.
It has a ``fingerprint`` (the feature cache's namespace), a sample rate ``sr``
and two stages: ``clip_stage`` (applied to each signal) and ``batch_stage``
(applied to a batch of its results); :func:`song_features` chains them. Both
are thread-safe: :func:`mirex.extract.extract` runs batches in parallel
threads. Post-processing that does not change the cached features (the
bundle's LDA) is applied by ``reduce``.
"""
from functools import cached_property

import numpy as np

from mirex import frontend as fe
from mirex.bundle import load_bundle

__all__ = ["DCNNExtractor", "MFCCExtractor", "song_features", "make_extractor", "FEATURES"]


class DCNNExtractor:
    """Song feature = the DCNN's 256-d output averaged over the clip's segments.

    Parameters
    ----------
    bundle : mirex.bundle.Bundle
    lda : bool
        Whether ``reduce`` applies the bundle's LDA (when it has one).
    """

    def __init__(self, bundle, *, lda=True):
        self.bundle = bundle
        self.use_lda = lda and bundle.has_lda
        self.sr = bundle.frontend.sr
        self.fingerprint = f"dcnn-{bundle.fingerprint}"

    def describe(self):
        """Settings that a classifier trained on these features depends on."""
        return {"features": "dcnn", "model": self.bundle.name, "bundle": str(self.bundle.path.resolve()),
                "fingerprint": self.fingerprint, "lda": self.use_lda}

    @cached_property
    def clip_stage(self):
        """Signal -> standardised segments."""
        return fe.LogMel(self.bundle.frontend).segments

    def batch_stage(self, clips):
        """Mean segment embedding of each clip's segments, shape (len(clips), 256)."""
        segs, owner = fe.stack_segments(clips)
        emb = self.bundle.embed_segments(segs)
        sums = np.zeros((len(clips), emb.shape[1]), dtype=np.float64)
        np.add.at(sums, owner, emb)
        return (sums / np.bincount(owner, minlength=len(clips))[:, None]).astype(np.float32)

    def reduce(self, features):
        """Apply the bundle's LDA if enabled."""
        return self.bundle.reduce(features) if self.use_lda else features


class MFCCExtractor:
    """The classic baseline: 20 MFCCs and their deltas, mean and std over the clip (80-d)."""

    sr = 22050
    n_mfcc = 20
    fingerprint = "mfcc20-delta-meanstd-v1"

    def describe(self):
        """Settings that a classifier trained on these features depends on."""
        return {"features": "mfcc", "model": None, "fingerprint": self.fingerprint, "lda": False}

    @staticmethod
    def clip_stage(y):
        """Mean and std of the MFCCs and deltas of one signal, shape (80,)."""
        import librosa

        mfcc = librosa.feature.mfcc(y=y, sr=MFCCExtractor.sr, n_mfcc=MFCCExtractor.n_mfcc)
        both = np.vstack([mfcc, librosa.feature.delta(mfcc, mode="nearest")])
        return np.concatenate([both.mean(axis=1), both.std(axis=1)]).astype(np.float32)

    @staticmethod
    def batch_stage(clips):
        """Stack the per-clip rows, shape (len(clips), 80)."""
        return np.asarray(clips, dtype=np.float32)

    def reduce(self, features):
        """Identity: the baseline has no learned reduction."""
        return features


def song_features(extractor, signals):
    """One feature row per decoded signal: both stages of ``extractor`` in this thread."""
    return extractor.batch_stage([extractor.clip_stage(y) for y in signals])


FEATURES = ("dcnn", "mfcc")


def make_extractor(*, features="dcnn", model=None, lda=True):
    """Build an extractor by kind.

    Parameters
    ----------
    features : {'dcnn', 'mfcc'}
    model : str, optional
        Bundle name or folder for 'dcnn' (default: the default bundle).
    lda : bool
        Apply the bundle's LDA when it has one.
    """
    if features == "mfcc":
        return MFCCExtractor()
    if features == "dcnn":
        return DCNNExtractor(load_bundle(model), lda=lda)
    raise ValueError(f"features must be one of {FEATURES}, not {features!r}")
