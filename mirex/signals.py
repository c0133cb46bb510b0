"""Signals given as arrays (the Python API, the HEAR module): checked, then made mono float32 at a rate.

:func:`check` is cheap and runs where the signals are given, so that a
malformed one is reported at once; :func:`mono` does the work and runs in
the thread that computes the signal's features, as decoding does for files
(:func:`mirex.extract.extract`). A mono float32 NumPy array (or CPU tensor)
at the rate with finite samples is used as it is: one pass checks its
samples, nothing is copied. Anything else costs a pass more for each of:
another dtype (converted, not rescaled), two channels or more (averaged;
channels last read with a stride), a non-finite sample (zeroed), a tensor
on a GPU for the CPU front end (copied to the CPU); another rate is
resampled with soxr (high quality), as files are, which costs several times
the front end itself.
"""
import numpy as np

from mirex.audio import finite_float32, mean_of_channels
from mirex.errors import SignalError

__all__ = ["check", "mono", "not_finite"]


def check(audio, *, index=0):
    """``audio`` itself, after checking that it is one signal with samples.

    Parameters
    ----------
    audio : np.ndarray or torch.Tensor (or anything ``np.asarray`` takes)
        1-D (mono), or 2-D with channels first (channels, samples) or last
        (samples, channels): the shorter axis holds the channels.
    index : int
        The signal's place among those given, named in the error.

    Raises
    ------
    mirex.errors.SignalError
        If it has another number of dimensions, or no samples.
    """
    import torch

    if not torch.is_tensor(audio):
        audio = np.asarray(audio)
    if audio.ndim not in (1, 2):
        raise SignalError(f"signal {index}: expected 1-D or 2-D (channels first or last), not shape "
                          f"{tuple(audio.shape)}")
    if audio.shape[-1] == 0 or audio.shape[0] == 0:
        raise SignalError(f"signal {index}: holds no samples")
    return audio


def not_finite(audio, *, index):
    """The error for a signal whose features are not finite, naming its largest sample."""
    import torch

    peak = float(audio.detach().abs().max() if torch.is_tensor(audio) else np.abs(np.asarray(audio)).max())
    return SignalError(f"signal {index}: features are not finite (largest |sample| {peak:.3g}; floats in "
                       "[-1, 1] are expected)")


def mono(audio, *, sr, rate, device=None):
    """One signal (as :func:`check` takes it) as mono float32 samples at ``rate``, non-finite samples zeroed.

    Parameters
    ----------
    audio : np.ndarray or torch.Tensor
    sr : int
        Its sample rate.
    rate : int
    device : torch.device, optional
        Where the front end runs: a tensor is kept on its device and
        converted there (resampled on the CPU). Default: the NumPy front
        end, so the result is a NumPy array.

    Returns
    -------
    np.ndarray or torch.Tensor, shape (samples,)
    """
    import torch

    if torch.is_tensor(audio) and device is not None:
        y = audio.detach().to(torch.float32)
        if y.ndim == 2:
            y = y.mean(dim=int(np.argmin(y.shape)))
        if not torch.isfinite(y).all():
            y = torch.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
        return y if sr == rate else _resampled(y.cpu().numpy(), sr=sr, rate=rate)
    y = audio.detach().cpu().numpy() if torch.is_tensor(audio) else np.asarray(audio)
    if y.ndim == 2:
        y = mean_of_channels(y, axis=int(np.argmin(y.shape)))
    y = finite_float32(y)
    return y if sr == rate else _resampled(y, sr=sr, rate=rate)


def _resampled(y, *, sr, rate):
    import soxr

    return soxr.resample(y, sr, rate, quality="HQ").astype(np.float32, copy=False)
