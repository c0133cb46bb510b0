"""The i-vector system (SYSTEM.md section 11): MFCC frames, a GMM background model, total variability.

:func:`~mirex.ivector.frames.mfcc_frames` turns a clip's mel spectrogram into
frames; :func:`~mirex.ivector.system.fit_ivector_system` fits the background
model and the total-variability matrix on training clips; the resulting
:class:`~mirex.ivector.system.IVectorSystem` maps any clip's frames to its
length-normalised i-vector and holds everything it fitted as plain arrays;
:class:`~mirex.ivector.backend.BackEnd` is the LDA and WCCN that a
classifier fits on labelled i-vectors.
"""
from mirex.ivector.backend import BackEnd, fit_lda, fit_wccn, length_normalise
from mirex.ivector.frames import MAX_CLIP_FRAMES, evenly, mfcc_frames
from mirex.ivector.gmm import DiagonalGMM, fit_ubm
from mirex.ivector.system import IVectorSettings, IVectorSystem, fit_ivector_system, statistics
from mirex.ivector.total_variability import baum_welch, fit_total_variability, ivectors, objective

__all__ = ["mfcc_frames", "evenly", "MAX_CLIP_FRAMES", "IVectorSettings", "DiagonalGMM", "fit_ubm", "baum_welch", "fit_total_variability", "ivectors", "objective",
           "length_normalise", "BackEnd", "fit_lda", "fit_wccn", "IVectorSystem", "fit_ivector_system", "statistics"]
