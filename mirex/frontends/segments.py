"""Cutting signals and log-mels: a streamed signal into its centred STFT's frames, a log-mel into segments.

Segments are standardised with the statistics of the network's training
data (:class:`mirex.frontends.mel.FrontEnd`'s ``mean`` and ``std``).
"""
import itertools

import numpy as np

__all__ = ["centred_segments", "segments", "standardise", "centred"]


def centred_segments(blocks, *, n_fft, hop_length):
    """Cut a signal given block by block into the frames of its centred STFT.

    The centred STFT pads the whole signal with ``n_fft // 2`` zeros at both
    ends and takes a frame every ``hop_length`` samples. Each yielded segment
    holds a run of whole frames of that padded signal (frame ``k`` of a
    segment is ``segment[k * hop_length : k * hop_length + n_fft]``), and
    the runs follow each other with no frame left out or repeated, however
    the blocks are cut. Less than a frame of samples is carried from one
    block to the next: only the frames that start in it are copied, the
    others are views of the block.

    Parameters
    ----------
    blocks : iterable of np.ndarray
        Consecutive parts of a mono signal: float, or all int16 (kept as they are).
    n_fft, hop_length : int

    Yields
    ------
    segment : np.ndarray, float32 (int16 for int16 blocks), 1-D
        At least ``n_fft`` samples; the last one ends in the closing padding.

    Raises
    ------
    ValueError
        If int16 blocks and float ones are mixed.
    """
    blocks = iter(blocks)
    first = next(blocks, np.zeros(0, dtype=np.float32))
    dtype = np.int16 if np.asarray(first).dtype == np.int16 else np.float32
    pad = np.zeros(n_fft // 2, dtype=dtype)
    carry = pad  # the padded signal from the next frame's start on: fewer than n_fft samples
    for block in itertools.chain([first], blocks, [pad]):
        block = np.asarray(block)
        if (block.dtype == np.int16) != (dtype == np.int16):
            raise ValueError("a signal's blocks are all int16 or all float")
        block = block.astype(dtype, copy=False)
        total = len(carry) + len(block)
        frames = (total - n_fft) // hop_length + 1 if total >= n_fft else 0
        if not frames:
            carry = np.concatenate([carry, block])
            continue
        joined = min(frames, -(-len(carry) // hop_length))  # the frames that start in the carry
        if joined:
            yield np.concatenate([carry, block[: (joined - 1) * hop_length + n_fft - len(carry)]])
        if frames > joined:
            yield block[joined * hop_length - len(carry) : (frames - 1) * hop_length + n_fft - len(carry)]
        rest = frames * hop_length - len(carry)  # where the next frame starts, in the block
        carry = block[rest:] if rest >= 0 else np.concatenate([carry[rest:], block])


def segments(mel, *, length):
    """Cut a time-major log-mel into non-overlapping segments.

    Segments start at frame 0; a trailing remainder shorter than a segment is
    dropped, except that a clip shorter than one segment is zero-padded (zero
    is silence after the log compression) to give exactly one.

    Returns
    -------
    segs : np.ndarray, float32, shape (n_segments, length, n_mels)
    """
    count = len(mel) // length
    if count == 0:
        padded = np.zeros((length, mel.shape[1]), dtype=np.float32)
        padded[: len(mel)] = mel
        return padded[None]
    return np.ascontiguousarray(mel[: count * length].reshape(count, length, mel.shape[1]))


def standardise(x, *, frontend):
    """Standardise with the bundle's training mean and std."""
    return (x - np.float32(frontend.mean)) / np.float32(frontend.std)


def centred(mel, *, frontend, length):
    """A log-mel ready for windows centred on each of its frames: padded with silence, standardised.

    Frame ``k`` is centred on sample ``k * hop_length``; its window of
    ``length`` frames spans frames ``k - length // 2`` to ``k - length // 2
    + length - 1``, which are rows ``k`` to ``k + length - 1`` of the result
    (zero log-mel, i.e. silence, beyond the signal), so every part of the
    signal is covered, however short.

    Parameters
    ----------
    mel : np.ndarray or torch.Tensor, float32, shape (frames, n_mels)
        A log-mel.
    frontend : FrontEnd
    length : int

    Returns
    -------
    torch.Tensor, float32, shape (frames + length - 1, n_mels), on ``mel``'s device
    """
    import torch

    half = length // 2
    padded = torch.nn.functional.pad(torch.as_tensor(mel), (0, 0, half, length - 1 - half))
    return standardise(padded, frontend=frontend)
