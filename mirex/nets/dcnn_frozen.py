"""The DCNN frozen for inference: plain PyTorch operations on weights read with h5py.

The weights come straight from a bundle's Keras 3 weights file
(:func:`mirex.nets.weights.read_keras_weights`), so extraction never imports
Keras. One forward pass gives every block's output; the caller pools each
over time. The arithmetic is the Keras
model's (TensorFlow 'same' padding, batch norm with the moving statistics,
folded into the convolution), without autograd, to float32 rounding.
"""
import numpy as np
import torch
import torch.nn.functional as F

from mirex.errors import BundleError
from mirex.nets.weights import read_keras_weights
from mirex.precision import full_float32

__all__ = ["CONV_BLOCKS", "FrozenDCNN"]

#: (filters, kernel size, pool size) of the five conv blocks; pool None = no pooling.
CONV_BLOCKS = ((128, 4, 4), (128, 4, 4), (128, 4, 4), (128, 2, 2), (256, 1, None))


class FrozenDCNN:
    """The Table-1 DCNN as plain PyTorch operations.

    Parameters
    ----------
    weights : dict of str to list of np.ndarray
        Layer name -> arrays, as :func:`mirex.nets.weights.read_keras_weights`
        returns them (``conv1d_i``: kernel (k, in, out), bias; ``batch_normalization_i``:
        gamma, beta, moving mean, moving variance).
    epsilon : float
        Batch-norm epsilon.
    """

    #: Frames the pooling stages need: shorter segments have no output step.
    min_frames = int(np.prod([pool for _, _, pool in CONV_BLOCKS if pool]))
    widths = tuple(filters for filters, _, _ in CONV_BLOCKS)

    def __init__(self, weights, *, epsilon=1e-3):
        self.blocks = []
        for index, (filters, kernel_size, pool) in enumerate(CONV_BLOCKS, start=1):
            try:
                kernel, bias = weights[f"conv1d_{index}"]
                gamma, beta, mean, variance = weights[f"batch_normalization_{index}"]
            except (KeyError, ValueError):
                raise BundleError(f"block {index} missing or incomplete: not a Table-1 DCNN") from None
            if kernel.shape[::2] != (kernel_size, filters):
                raise BundleError(f"conv1d_{index} has shape {kernel.shape}, expected ({kernel_size}, *, {filters})")
            # Batch norm with fixed statistics is an affine map per filter: folded into the convolution.
            scale = np.asarray(gamma, np.float64) / np.sqrt(np.asarray(variance, np.float64) + epsilon)
            left = (kernel_size - 1) // 2  # TensorFlow 'same': the extra zero goes on the right
            self.blocks.append({
                "weight": torch.from_numpy(np.ascontiguousarray(  # (filters, inputs, 1, kernel size)
                    kernel.transpose(2, 1, 0)[:, :, None] * scale[:, None, None, None], dtype=np.float32)),
                "bias": torch.from_numpy(((bias - mean) * scale + beta).astype(np.float32)),
                "pad": (left, kernel_size - 1 - left), "pool": pool,
            })

    @classmethod
    def from_file(cls, path):
        """The network of a bundle's weights file."""
        return cls(read_keras_weights(path))

    def __call__(self, segs, *, batch_size=256):
        """Every block's output for standardised segments, pooled over time.

        Parameters
        ----------
        segs : np.ndarray, float32, shape (n, frames, n_mels)
        batch_size : int
            Segments per forward pass.

        Returns
        -------
        pooled : np.ndarray, float32, shape (n, 2, sum of block widths)
            ``[:, 0]`` the maximum, ``[:, 1]`` the mean over time of each
            block's output (after ReLU and pooling), blocks in order.
        """
        return self.forward(torch.from_numpy(np.ascontiguousarray(segs, dtype=np.float32)),
                            batch_size=batch_size).numpy()

    def forward(self, segs, *, batch_size=256):
        """What calling it gives, for a float32 tensor on the weights' device; a tensor there (IEEE float32
        on CUDA too: :func:`mirex.precision.full_float32`)."""
        with torch.inference_mode(), full_float32(segs.device):
            return torch.cat([self._forward(segs[i : i + batch_size]) for i in range(0, len(segs), batch_size)])

    def to(self, device):
        """The same network with its weights on ``device`` (for :meth:`forward`)."""
        moved = object.__new__(type(self))
        moved.blocks = [{k: v.to(device) if torch.is_tensor(v) else v for k, v in block.items()}
                        for block in self.blocks]
        return moved

    def windows(self, x, *, length, step):
        """Every block pooled over each window of ``length`` frames every ``step`` frames of one standardised
        log-mel (a float32 tensor (frames, n_mels) on the weights' device), from one pass: what :meth:`forward`
        gives for the windows, to float32 rounding (:func:`mirex.sliding.pooled_windows`)."""
        from mirex.sliding import pooled_windows

        return pooled_windows(self, x, length=length, step=step)

    def _forward(self, x):
        # (n, mel bands = channels, 1, frames): oneDNN's 2-D convolution is faster on the CPU than its 1-D one.
        x = x.transpose(1, 2)[:, :, None]
        outputs = []
        for block in self.blocks:
            if any(block["pad"]):
                x = F.pad(x, block["pad"])
            x = F.conv2d(x, block["weight"], block["bias"]).relu_()
            if block["pool"]:
                x = F.max_pool2d(x, (1, block["pool"]))
            outputs.append(torch.stack([x.amax(dim=(2, 3)), x.mean(dim=(2, 3))], dim=1))
        return torch.cat(outputs, dim=-1)
