"""The straightforward per-clip path, the benchmark's yardstick.

Per clip: decode with ``librosa.load`` (resampling to 22,050 Hz), librosa's
STFT and mel spectrogram, ``log10(1 + 10 mel)``, segments standardised, one
``predict_on_batch`` of a Keras model that outputs every block, pooling and
statistics in NumPy, and librosa's MFCCs and deltas when the system has
timbre statistics. It computes the same song features as
:func:`mirex.extract.extract`.
"""
import dataclasses
from functools import lru_cache

import numpy as np

from mirex.features import timbre
from mirex.frontends.segments import segments, standardise

__all__ = ["baseline_logmel", "baseline_timbre", "baseline_features", "keras_block_model"]


def _mel(y, *, frontend):
    import librosa

    return librosa.feature.melspectrogram(y=y, sr=frontend.sr, n_fft=frontend.n_fft, hop_length=frontend.hop_length,
                                          n_mels=frontend.n_mels, power=1.0)


def baseline_logmel(y, *, frontend):
    """Time-major log-mel of one signal with librosa, shape (frames, n_mels)."""
    return np.log10(1 + 10 * _mel(y, frontend=frontend)).T.astype(np.float32)


def baseline_timbre(y):
    """The timbre statistics of one signal with librosa, shape (80,)."""
    import librosa

    mel = _mel(y, frontend=timbre.FRONTEND)
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel**2), n_mfcc=timbre.N_MFCC)
    both = np.vstack([mfcc, librosa.feature.delta(mfcc, mode="nearest")])
    return np.concatenate([both.mean(axis=1), both.std(axis=1)]).astype(np.float32)


@lru_cache(maxsize=8)
def keras_block_model(bundle, frames):
    """The bundle's network as a Keras model (the training code's) with every block's output."""
    import keras

    from mirex.nets.dcnn import BLOCK_LAYERS, build_feature_model

    model = build_feature_model(frontend=dataclasses.replace(bundle.frontend, segment_frames=frames), l2=0)
    model.load_weights(bundle.weights_path)
    return keras.Model(model.input, [model.get_layer(name).output for name in BLOCK_LAYERS])


def _network_entry(mel, *, bundle, length):
    """A network pass's cache entry: every block pooled by max and mean, their mean and std over segments."""
    segs = standardise(segments(mel, length=length), frontend=bundle.frontend)
    outputs = keras_block_model(bundle, length).predict_on_batch(segs)
    pooled = np.stack([np.concatenate([np.asarray(o).max(axis=1) for o in outputs], axis=1),
                       np.concatenate([np.asarray(o).mean(axis=1) for o in outputs], axis=1)], axis=1)
    return np.stack([pooled.mean(axis=0), pooled.std(axis=0)])


def baseline_features(paths, *, extractor):
    """Song features of ``paths`` one clip at a time, shape (len(paths), extractor.dim)."""
    import librosa

    rows = []
    for path in paths:
        y, _ = librosa.load(path, sr=extractor.sr, mono=True)
        mel = baseline_logmel(y, frontend=extractor.bundle.frontend) if extractor.bundle else None
        entries = {name: baseline_timbre(y) if length is None
                   else _network_entry(mel, bundle=extractor.bundle, length=length)
                   for name, length in extractor.passes.items()}
        rows.append(extractor.combine(entries))
    return np.asarray(rows, dtype=np.float32)
