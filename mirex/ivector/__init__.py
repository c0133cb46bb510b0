"""The i-vector system (SYSTEM.md section 11): MFCC frames, a GMM background model, total variability.

:func:`~mirex.ivector.frames.mfcc_frames` turns a clip's mel spectrogram into
frames; :func:`~mirex.ivector.system.fit_ivector_system` fits the background
model, the total-variability matrix and the back end on training clips; the
resulting :class:`~mirex.ivector.system.IVectorSystem` maps any clip's frames
to its i-vector and holds everything it fitted as plain arrays.
"""
from mirex.ivector.backend import fit_lda, fit_wccn, length_normalise
from mirex.ivector.frames import MAX_CLIP_FRAMES, evenly, mfcc_frames
from mirex.ivector.gmm import DiagonalGMM, fit_ubm
from mirex.ivector.system import IVectorSettings, IVectorSystem, fit_ivector_system, statistics
from mirex.ivector.total_variability import baum_welch, fit_total_variability, ivectors, objective

__all__ = ["mfcc_frames", "evenly", "MAX_CLIP_FRAMES", "IVectorSettings", "DiagonalGMM", "fit_ubm", "baum_welch", "fit_total_variability", "ivectors", "objective",
           "length_normalise", "fit_lda", "fit_wccn", "IVectorSystem", "fit_ivector_system", "statistics"]
