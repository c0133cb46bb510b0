"""CPU cost of the i-vector at test time beside today's extraction, and of each preset, one thread, in this process.

A ``+ivector`` system's test clip costs, besides its other features, its
frames (the double deltas of the MFCCs the timbre statistics already
compute, stacked with them and their deltas), its Baum-Welch statistics
under the background model and its i-vector. Each is timed per clip (CPU time, not wall time,
so a busy machine changes it little) beside today's whole extraction of the
same clip (decode, mel spectrogram, network passes, timbre statistics: the
default system). The i-vector system has the default sizes at their
largest (256 Gaussians, rank 200: the default rank from 800 training clips
on) and is fitted briefly on the clips themselves: what a clip costs does
not depend on how well it is fitted. :func:`system_costs` times each
preset's whole test-time extraction the same way (a ``+ivector`` preset with
such a fitted system), so the systems of the leaderboards can be compared
by what a test clip costs.
"""
import time

from mirex.audio import load
from mirex.features import DEFAULT_PRESET, PRESETS, FeatureSpec, feature_pipeline, timbre
from mirex.frontends.mel import MelSpectrogram
from mirex.ivector import IVectorSettings, evenly, fit_ivector_system, mfcc_frames
from mirex.threads import one_thread_per_task

__all__ = ["ivector_costs", "system_costs", "LABELS"]

#: The i-vector system timed: the largest default sizes, fitted with few iterations.
SETTINGS = IVectorSettings(rank=IVectorSettings.MAX_RANK, ubm_iter=2, tv_iter=1)
#: What each measurement times.
LABELS = {"extraction": "extraction without the i-vector (decode, features)",
          "frames": "i-vector: frames from the timbre statistics' MFCCs",
          "ivector": "i-vector: statistics and i-vector"}


def ivector_costs(paths, *, features=DEFAULT_PRESET, settings=SETTINGS):
    """CPU milliseconds per clip of today's extraction and of each step of the i-vector (keys of :data:`LABELS`).

    Parameters
    ----------
    paths : sequence of str
        Clips (a dozen or two are enough).
    features : str
        The system extracted today.
    settings : mirex.ivector.IVectorSettings
        The i-vector's sizes (default: ``SETTINGS``, the largest default sizes fitted with few iterations).
    """
    with one_thread_per_task():
        extractor, mel = feature_pipeline(features), MelSpectrogram(timbre.FRONTEND)
        signals = [load(path, sr=extractor.sr) for path in paths]
        spectra = [mel(y) for y in signals]
        coefficients = [timbre.coefficients(s) for s in spectra]  # the timbre statistics compute them anyway
        spent = dict.fromkeys(LABELS, 0.0)

        def timed(name, work, *args):
            start = time.process_time()
            result = work(*args)
            spent[name] += time.process_time() - start
            return result

        extractor.features(signals[:1])  # warm up
        for path in paths:
            timed("extraction", lambda p: extractor.features([load(p, sr=extractor.sr)]), path)
        frames = [timed("frames", lambda s, c: evenly(mfcc_frames(s, both=c)), s, c)
                  for s, c in zip(spectra, coefficients)]
        system, _ = fit_ivector_system(frames, settings=settings)
        system.transform(frames[:1])  # warm up: the matrix's squares are computed once per process
        for clip in frames:
            timed("ivector", system.transform, [clip])
    return {name: 1000 * seconds / len(paths) for name, seconds in spent.items()}


def system_costs(paths, *, presets=tuple(PRESETS), settings=SETTINGS):
    """CPU milliseconds per clip of each preset's test-time extraction (decode, features, i-vector), by preset.

    A ``+ivector`` preset maps the clips with an i-vector system of ``settings``
    fitted on the clips' own frames, as :func:`ivector_costs` does.
    """
    with one_thread_per_task():
        mel = MelSpectrogram(timbre.FRONTEND)
        frames = [evenly(mfcc_frames(mel(load(path, sr=timbre.FRONTEND.sr)))) for path in paths]
        system, _ = fit_ivector_system(frames, settings=settings)
        costs = {}
        for preset in presets:
            extractor = feature_pipeline(preset, ivector=system if FeatureSpec.parse(preset).ivector else None)
            extractor.features([load(paths[0], sr=extractor.sr)])  # warm up
            start = time.process_time()
            for path in paths:
                extractor.features([load(path, sr=extractor.sr)])
            costs[preset] = 1000 * (time.process_time() - start) / len(paths)
    return costs
