"""Frozen PyTorch copies of Keras layers: weights copied out once, inference without autograd.

Keras is channels-last; these work channels-first, ``(n, channels, time)``,
as PyTorch's convolutions do. Batch normalisation uses the Keras inference
arithmetic ``(x - mean) * gamma / sqrt(var + eps) + beta``.
"""
import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["Conv", "Norm", "Dense", "as_batch", "FrozenWaveformNet"]


def _tensor(array):
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


class Conv:
    """A Keras ``Conv1D`` ('same' padding for odd kernels, or 'valid'), frozen."""

    def __init__(self, layer):
        kernel, bias = layer.get_weights()
        self.weight = _tensor(kernel.transpose(2, 1, 0))
        self.bias = _tensor(bias)
        self.stride = layer.strides[0]
        size = kernel.shape[0]
        if layer.padding == "same" and size % 2 == 0:
            raise ValueError(f"{layer.name}: 'same' padding of an even kernel is not supported here")
        self.padding = size // 2 if layer.padding == "same" else 0

    def __call__(self, x):
        return F.conv1d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)


class Norm:
    """A Keras ``BatchNormalization`` over channels, frozen (inference statistics)."""

    def __init__(self, layer):
        gamma, beta, mean, variance = (_tensor(w)[:, None] for w in layer.get_weights())
        self.mean, self.beta = mean, beta
        self.scale = variance.add(layer.epsilon).rsqrt_().mul_(gamma)

    def __call__(self, x):
        return (x - self.mean).mul_(self.scale).add_(self.beta)


class Dense:
    """A Keras ``Dense`` layer on (n, features), frozen (activation applied by the caller)."""

    def __init__(self, layer):
        kernel, bias = layer.get_weights()
        self.weight, self.bias = _tensor(kernel.T), _tensor(bias)

    def __call__(self, x):
        return F.linear(x, self.weight, self.bias)


def as_batch(segments):
    """Waveform segments (n, samples) as a float32 tensor (n, 1, samples)."""
    return torch.from_numpy(np.ascontiguousarray(segments, dtype=np.float32))[:, None, :]


class FrozenWaveformNet:
    """A sample-level network's stem and blocks as plain PyTorch operations.

    Subclasses copy the stem (conv, norm) into ``self.stem`` and each block's
    weights into ``self.blocks``, and define ``_block(x, block)``.
    """

    stem = ()
    blocks = ()

    @staticmethod
    def _block(x, block):
        raise NotImplementedError

    def __call__(self, segments, *, blocks=None):
        """Per-block activations of waveform segments.

        Parameters
        ----------
        segments : np.ndarray, shape (n, samples)
        blocks : sequence of int, optional
            1-based blocks to return (default all); the pass stops after the last.

        Returns
        -------
        list of np.ndarray, float32, each (n, channels, time)
            In block order.
        """
        wanted = sorted(set(blocks or range(1, len(self.blocks) + 1)))
        out = []
        with torch.inference_mode():
            conv, norm = self.stem
            x = norm(conv(as_batch(segments))).relu_()
            for index, block in enumerate(self.blocks[: wanted[-1]], start=1):
                x = self._block(x, block)
                if index in wanted:
                    out.append(x.numpy())
        return out
