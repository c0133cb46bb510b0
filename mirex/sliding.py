"""Every block of the DCNN pooled over overlapping windows of one log-mel, from one pass of the network.

Windows a few frames apart share all but their edges, so calling the
network on each window repeats most of its work. Here every block runs once
over the whole (padded, standardised) log-mel, and each window's values are
read from that pass; only what differs from it is computed per window:

- the pooling phase: a window's poolings start at its own first frame.
  The whole pass is therefore kept at every frame a window may start on
  ("a trous"): after poolings of total stride ``D`` a block sees its input
  every ``D`` frames, so its convolution is dilated by ``D``, and position
  ``i`` of the window starting at frame ``s`` is frame ``s + D i`` of the
  pass (kept only at the frames some window needs: every
  ``gcd(step, D)``-th);
- the edges: within a window every convolution sees zeros beyond the
  window (TensorFlow's 'same' padding) where the pass sees the neighbouring
  frames, so a block's first ``left`` and last ``right`` outputs differ,
  and the difference spreads inward through the later kernels and
  poolings. Each window's edge outputs are computed from its own edge
  inputs and the pass's shared ones.

A convolution is one matrix product of its input frames with every tap's
kernel at once; an output sums its taps' products. A window's edge output
adds the same products of the shared frames, and products of its own for
inputs that are edge values. Once a window's block output shares no
position with the pass (the third block's pooled output of a 129-frame
window), the remaining blocks run per window as the network runs them.

For the 3-s windows every 2 frames of a 30-s clip this is about 5 % of
the multiply-adds of the window-by-window pass, and the same values to
float32 rounding (the sums run in another order).
"""
import math
from dataclasses import dataclass

import torch

from mirex.precision import full_float32

__all__ = ["pooled_windows", "CHUNK_WINDOWS"]

#: Windows computed together (bounds memory: the pass over about ``step`` times as many frames).
CHUNK_WINDOWS = 2048


def pooled_windows(network, x, *, length, step):
    """Every block's output pooled over each window, as the network's ``forward`` gives it for the windows.

    Parameters
    ----------
    network : mirex.nets.dcnn_frozen.FrozenDCNN
        Its weights on ``x``'s device.
    x : torch.Tensor, float32, shape (frames, n_mels)
        A standardised log-mel.
    length, step : int
        Frames per window, and between the starts of consecutive windows.

    Returns
    -------
    torch.Tensor, float32, shape (n_windows, 2, sum of block widths)
        For the windows ``x[k * step : k * step + length]``, ``k = 0, 1, ...``
        while they fit: ``[:, 0]`` the maximum, ``[:, 1]`` the mean over time
        of each block's output, blocks in order.
    """
    count = max((len(x) - length) // step + 1, 0)
    parts = []
    with torch.inference_mode(), full_float32(x.device):
        for first in range(0, count, CHUNK_WINDOWS):
            windows = min(CHUNK_WINDOWS, count - first)
            segment = x[first * step : (first + windows - 1) * step + length]
            parts.append(_chunk(network, segment, length=length, step=step, count=windows))
    if len(parts) != 1:
        return torch.cat(parts) if parts else x.new_zeros((0, 2, sum(network.widths)))
    return parts[0]


@dataclass
class _Level:
    """The input of a block (or its output) for each of ``count`` windows starting every ``step`` frames.

    Attributes
    ----------
    n : int
        Positions per window.
    left, right : torch.Tensor, shape (count, lo, C) and (count, hi, C)
        Each window's own values at its first ``lo`` and last ``hi`` positions.
    shared : torch.Tensor, shape (rows, C), or None
        The whole pass: row ``u`` is frame ``origin + spacing * u``, and
        position ``i`` of window ``w`` (``lo <= i < n - hi``) is frame
        ``step * w + dilation * i``. None when no position is shared
        (``left`` then holds all ``n``).
    """

    n: int
    count: int
    step: int
    left: torch.Tensor
    right: torch.Tensor
    shared: torch.Tensor = None
    origin: int = 0
    spacing: int = 1
    dilation: int = 1

    def at(self, rows, position):
        """Row of ``rows`` (indexed as :attr:`shared`) at ``position`` of every window, shape (count, ...)."""
        start = (self.dilation * position - self.origin) // self.spacing
        return rows[start :: self.step // self.spacing][: self.count]

    def span(self, begin, end):
        """The shared values at positions ``begin`` to ``end - 1`` of every window, shape (count, end - begin, C)."""
        if end <= begin:
            return self.left.new_zeros((self.count, 0, self.left.shape[2]))
        start, stride = (self.dilation * begin - self.origin) // self.spacing, self.dilation // self.spacing
        rows = self.shared[start:].unfold(0, (end - begin - 1) * stride + 1, self.step // self.spacing)
        return rows[: self.count, :, ::stride].transpose(1, 2)

    def whole(self):
        """Every position of every window, shape (count, n, C)."""
        if self.shared is None:
            return self.left
        return torch.cat([self.left, self.span(self.left.shape[1], self.n - self.right.shape[1]), self.right], dim=1)

    def pool_into(self, out):
        """Write the maximum and the mean over the positions of every window to ``out``, shape (count, 2, C)."""
        parts = [part for part in (self.left, self.right) if part.shape[1]]
        if self.shared is not None:
            parts.append(self.span(self.left.shape[1], self.n - self.right.shape[1]))
        maxima, sums = parts[0].amax(dim=1), parts[0].sum(dim=1)
        for part in parts[1:]:
            maxima = torch.maximum(maxima, part.amax(dim=1), out=maxima)
            sums += part.sum(dim=1)
        out[:, 0], out[:, 1] = maxima, sums.div_(self.n)


def _chunk(network, x, *, length, step, count):
    """:func:`pooled_windows` of the ``count`` windows of ``x``."""
    none = x.new_zeros((count, 0, x.shape[1]))
    level = _Level(n=length, count=count, step=step, left=none, right=none, shared=x)
    out = x.new_empty((count, 2, sum(network.widths)))
    end = 0
    for block in network.blocks:
        level = _pool(_convolve(level, block), block["pool"] or 1)
        start, end = end, end + level.left.shape[2]
        level.pool_into(out[:, :, start:end])
    return out


def _convolve(level, block):
    """The convolution and ReLU of a block for every window (the positions a pooling keeps)."""
    weight, bias = block["weight"][:, :, 0], block["bias"]  # (out, in, k)
    (left, right), taps, width = block["pad"], weight.shape[2], weight.shape[0]
    n, lo, hi = level.n, level.left.shape[1], level.right.shape[1]
    kept = n - n % (block["pool"] or 1)  # a pooling drops the positions past its last whole window
    first, last = lo + left, min(n - hi - right, kept)  # outputs first .. last - 1 have shared inputs only
    if level.shared is None or first >= last:  # none has: every output is the window's own
        first = last = kept
    edges = [*range(first), *range(last, kept)]
    kernels = weight.permute(1, 2, 0).reshape(weight.shape[1], -1)  # (in, k * out): every tap at once

    def own(values, positions):
        """The products of a window's own values with the taps that reach its edge outputs: the first tap,
        and a tensor (count, positions, taps, out)."""
        used = [r - i + left for r in positions for i in edges if 0 <= r - i + left < taps]
        if not used:
            return 0, None
        begin, end = min(used), max(used) + 1
        products = values.reshape(-1, values.shape[2]) @ kernels[:, begin * width : end * width]
        return begin, products.view(level.count, len(positions), end - begin, width)

    left_tap, left_products = own(level.left, range(lo))
    right_tap, right_products = own(level.right, range(n - hi, n))
    products = shared = None
    if level.shared is not None:
        products = (level.shared @ kernels).view(-1, taps, width)

    def edge(i):  # output position i of every window, from its inputs i - left .. i + right
        terms = []
        for j in range(taps):
            r = i - left + j
            if 0 <= r < lo:
                terms.append(left_products[:, r, j - left_tap])
            elif n - hi <= r < n:
                terms.append(right_products[:, r - n + hi, j - right_tap])
            elif 0 <= r < n:
                terms.append(level.at(products[:, j], r))
        out = terms[0] + bias
        for term in terms[1:]:
            out += term
        return out.relu_()

    if first < last:
        stride = level.dilation // level.spacing
        rows = len(products) - stride * (taps - 1)
        shared = sum(products[stride * j : stride * j + rows, j] for j in range(taps)).add_(bias).relu_()
    none = level.left.new_zeros((level.count, 0, width))
    return _Level(n=kept, count=level.count, step=level.step,
                  left=torch.stack([edge(i) for i in range(first)], dim=1) if first else none,
                  right=torch.stack([edge(i) for i in range(last, kept)], dim=1) if kept > last else none,
                  shared=shared, origin=level.origin + level.dilation * left, spacing=level.spacing,
                  dilation=level.dilation)


def _pool(level, pool):
    """Max pooling (size and stride ``pool``) of every window's positions."""
    if pool == 1:
        return level
    n, lo, hi = level.n // pool, level.left.shape[1], level.right.shape[1]
    first, last = -(-lo // pool), (level.n - hi) // pool  # the pooled positions of shared values only
    if level.shared is None or first >= last:
        return _Level(n=n, count=level.count, step=level.step, left=_max(level.whole(), pool), right=level.right[:, :0])
    left = _max(torch.cat([level.left, level.span(lo, first * pool)], dim=1), pool)
    right = _max(torch.cat([level.span(last * pool, level.n - hi), level.right], dim=1), pool)
    stride = level.dilation // level.spacing
    rows = len(level.shared) - stride * (pool - 1)
    shared = level.shared[:rows]
    for j in range(1, pool):
        shared = torch.maximum(shared, level.shared[stride * j : stride * j + rows])
    # Keep only the frames a window's pooled position can be: multiples of gcd(step, dilation * pool).
    spacing = math.gcd(level.step, level.dilation * pool)
    skip = (-level.origin // level.spacing) % (spacing // level.spacing)
    return _Level(n=n, count=level.count, step=level.step, left=left, right=right,
                  shared=shared[skip :: spacing // level.spacing], origin=level.origin + level.spacing * skip,
                  spacing=spacing, dilation=level.dilation * pool)


def _max(x, pool):
    """Max pooling of (count, positions, C) over consecutive runs of ``pool`` positions."""
    return x.reshape(x.shape[0], x.shape[1] // pool, pool, x.shape[2]).amax(dim=2)
