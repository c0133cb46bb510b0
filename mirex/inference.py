"""The feature model frozen for inference: plain PyTorch operations.

Calling the Keras model costs layer bookkeeping and a layout change around
every convolution (Keras is channels-last, PyTorch's convolutions are
channels-first); the frozen copy transposes the input once, runs the same
PyTorch kernels with the same batch-norm arithmetic as Keras, and pools
before the ReLU (the two commute), without autograd. It gives the Keras
model's outputs to float32 rounding.
"""
import numpy as np
import torch
import torch.nn.functional as F

from mirex.network import BLOCKS

__all__ = ["FrozenFeatureModel"]


class FrozenFeatureModel:
    """The DCNN of :func:`mirex.network.build_feature_model`, weights copied out.

    Parameters
    ----------
    model : keras.Model
        A feature model (layers ``conv1d_i`` and ``batch_normalization_i``).
    """

    def __init__(self, model):
        self.blocks = []
        for index, (_, kernel_size, pool) in enumerate(BLOCKS, start=1):
            kernel, bias = (np.asarray(w) for w in model.get_layer(f"conv1d_{index}").get_weights())
            norm = model.get_layer(f"batch_normalization_{index}")
            gamma, beta, mean, variance = (torch.from_numpy(np.asarray(w))[:, None] for w in norm.get_weights())
            scale = variance.add(norm.epsilon).rsqrt_().mul(gamma)
            left = (kernel_size - 1) // 2  # TensorFlow 'same': the extra zero goes on the right
            self.blocks.append({
                "weight": torch.from_numpy(np.ascontiguousarray(kernel.transpose(2, 1, 0))),
                "bias": torch.from_numpy(bias),
                "pad": (left, kernel_size - 1 - left),
                "mean": mean, "scale": scale, "beta": beta, "pool": pool,
            })

    def __call__(self, segs, *, batch_size=512):
        """Features of standardised segments.

        Parameters
        ----------
        segs : np.ndarray, float32, shape (n, frames, n_mels)
        batch_size : int
            Segments per forward pass.

        Returns
        -------
        np.ndarray, float32, shape (n, 256)
        """
        segs = torch.from_numpy(np.ascontiguousarray(segs, dtype=np.float32))
        with torch.inference_mode():
            return torch.cat([self._forward(segs[i : i + batch_size]) for i in range(0, len(segs), batch_size)]).numpy()

    def _forward(self, x):
        x = x.transpose(1, 2)  # (n, mel bands = channels, frames)
        for block in self.blocks:
            if any(block["pad"]):
                x = F.pad(x, block["pad"])
            x = F.conv1d(x, block["weight"], block["bias"])
            x = x.sub_(block["mean"]).mul_(block["scale"]).add_(block["beta"])
            if block["pool"]:
                x = F.max_pool1d(x, block["pool"])
            x = x.relu_()
        return x.amax(dim=-1)
