"""Frozen PyTorch copies of the waveform networks: weights copied out once, inference without autograd.

The weights come as a dict of layer name -> list of arrays, in Keras's
order (conv: kernel (k, in, out), bias; batch norm: gamma, beta, moving
mean, moving variance; dense: kernel (in, out), bias), as
:mod:`mirex.nets.weights` reads them from a Keras model or from a bundle's
weights file, so inference needs no Keras. Keras is
channels-last; these work channels-first, ``(n, channels, time)``, as
PyTorch's convolutions do. Batch normalisation uses the Keras inference
arithmetic ``(x - mean) * gamma / sqrt(var + eps) + beta``.
"""
import numpy as np
import torch
import torch.nn.functional as F

from mirex.errors import BundleError

__all__ = ["Conv", "Norm", "Dense", "FrozenWaveformNet"]

#: Batch-norm epsilon of every network here (Keras's default).
EPSILON = 1e-3


def _tensor(array):
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


def _arrays(weights, name, count):
    arrays = weights.get(name)
    if arrays is None or len(arrays) != count:
        raise BundleError(f"layer {name} missing or incomplete: not the network the manifest names")
    return arrays


class Conv:
    """A 1-D convolution: odd kernel with 'same' padding (stride 1), or 'valid' with a stride."""

    def __init__(self, weights, name, *, stride=1):
        kernel, bias = _arrays(weights, name, 2)
        self.weight, self.bias, self.stride = _tensor(kernel.transpose(2, 1, 0)), _tensor(bias), stride
        self.padding = kernel.shape[0] // 2 if stride == 1 else 0

    def __call__(self, x):
        return F.conv1d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)


class Norm:
    """A batch normalisation over channels with its moving statistics."""

    def __init__(self, weights, name):
        gamma, beta, mean, variance = (_tensor(w)[:, None] for w in _arrays(weights, name, 4))
        self.mean, self.beta = mean, beta
        self.scale = variance.add(EPSILON).rsqrt_().mul_(gamma)

    def __call__(self, x):
        return (x - self.mean).mul_(self.scale).add_(self.beta)


class Dense:
    """A dense layer on (n, features) (activation applied by the caller)."""

    def __init__(self, weights, name):
        kernel, bias = _arrays(weights, name, 2)
        self.weight, self.bias = _tensor(kernel.T), _tensor(bias)

    def __call__(self, x):
        return F.linear(x, self.weight, self.bias)


class FrozenWaveformNet:
    """A sample-level network's stem and blocks as plain PyTorch operations.

    Subclasses copy each block's weights into ``self.blocks`` and define
    ``_block(x, block)``; the stem (conv 3, stride 3, BN, ReLU) is common.

    Parameters
    ----------
    weights : dict of str to list of np.ndarray
        Layer name -> arrays (see the module notes).

    Attributes
    ----------
    widths : tuple of int
        Channels of each block's output.
    min_frames : int
        Front-end steps (samples) a segment needs for every block to have an output step.

    Calling it gives every block pooled over time (as the DCNN's frozen copy
    does); :meth:`activations` gives the blocks' outputs themselves.
    """

    widths = ()
    min_frames = 3 ** 10

    def __init__(self, weights):
        self.stem = (Conv(weights, "stem_conv", stride=3), Norm(weights, "stem_bn"))

    @staticmethod
    def _block(x, block):
        raise NotImplementedError

    def _activations(self, segments, wanted):
        conv, norm = self.stem
        x = norm(conv(torch.from_numpy(np.ascontiguousarray(segments, dtype=np.float32))[:, None, :])).relu_()
        for index, block in enumerate(self.blocks[: wanted[-1]], start=1):
            x = self._block(x, block)
            if index in wanted:
                yield x

    def activations(self, segments, *, blocks=None):
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
        with torch.inference_mode():
            return [x.numpy() for x in self._activations(segments, sorted(set(blocks or self._all())))]

    def __call__(self, segments, *, batch_size=16):
        """Every block's output pooled over time, in one pass per batch.

        Parameters
        ----------
        segments : np.ndarray, shape (n, samples)
        batch_size : int
            Segments per forward pass.

        Returns
        -------
        np.ndarray, float32, shape (n, 2, sum of :attr:`widths`)
            ``[:, 0]`` the maximum, ``[:, 1]`` the mean over time of each block's output, blocks in order.
        """
        parts = []
        with torch.inference_mode():
            for begin in range(0, len(segments), batch_size):
                outputs = self._activations(segments[begin : begin + batch_size], self._all())
                parts.append(torch.cat([torch.stack([x.amax(dim=-1), x.mean(dim=-1)], dim=1) for x in outputs],
                                       dim=-1))
        return torch.cat(parts).numpy()

    def _all(self):
        return list(range(1, len(self.blocks) + 1))
