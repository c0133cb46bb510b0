"""The straightforward per-clip path, the benchmark's yardstick.

Per clip: decode with ``librosa.load`` (resampling to 22,050 Hz), librosa's
STFT and mel spectrogram, ``log10(1 + 10 mel)``, 3-s segments standardised,
one ``predict_on_batch`` of the Keras model, mean over segments. It computes
the same song features as :func:`mirex.extract.extract`.
"""
import numpy as np

from mirex import frontend as fe

__all__ = ["baseline_logmel", "baseline_features"]


def baseline_logmel(y, *, frontend):
    """Time-major log-mel of one signal with librosa, shape (frames, n_mels)."""
    import librosa

    mel = librosa.feature.melspectrogram(y=y, sr=frontend.sr, n_fft=frontend.n_fft, hop_length=frontend.hop_length,
                                         n_mels=frontend.n_mels, power=1.0)
    return np.log10(1 + 10 * mel).T.astype(np.float32)


def baseline_features(paths, *, bundle):
    """Song features of ``paths`` one clip at a time, shape (len(paths), 256)."""
    import librosa

    frontend, model = bundle.frontend, bundle.feature_model
    rows = []
    for path in paths:
        y, _ = librosa.load(path, sr=frontend.sr, mono=True)
        segs = fe.standardise(fe.segments(baseline_logmel(y, frontend=frontend), frontend=frontend), frontend=frontend)
        rows.append(np.asarray(model.predict_on_batch(segs)).mean(axis=0))
    return np.asarray(rows, dtype=np.float32)
