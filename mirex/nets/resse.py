"""The sample-level CNN with ReSE-2 blocks and multi-level features (arXiv 1710.10451, 1712.00866).

Input: 59,049 samples, one channel. The stem is the 3^9 model's (conv 3,
stride 3, 128 → BN → ReLU); then nine ReSE-2 blocks with 128, 128, 256,
256, 256, 256, 256, 256, 512 filters, each

    x ─┬─ conv 3 → BN → ReLU → dropout 0.2 → conv 3 → BN → SE ─┬─ add → ReLU → max-pool 3
       └──────────── (conv 1 → BN where the width changes) ─────┘

where SE (squeeze and excitation) scales each channel by
``sigmoid(W2 relu(W1 mean_t(x)))``. The global-max-pooled outputs of blocks
7, 8 and 9 (256 + 256 + 512) are concatenated: the 1,024-d feature. The
training head (:mod:`mirex.nets.heads`) adds dense 1,024 → BN → ReLU →
dropout 0.5 → the output layer(s).

Choices where the papers are silent (following the authors' released code
where it is explicit): SE widens rather than narrows, its first dense layer
has 16 × channels units (the "amplifying ratio" 16); the shortcut is the
identity unless the width changes, then a conv 1 + BN (Glorot-uniform); the
block's inner dropout is 0.2; He-uniform convolutions with a kernel L2 of
1e-5 (the house DCNN's value); the hidden dense layer of the head is as
wide as the feature. The blocks of the multi-level features are blocks 1–9.

Keras is imported by the builder only: the frozen copy needs PyTorch alone.
"""
import torch
import torch.nn.functional as F

from mirex.frontends import WaveformFrontEnd
from mirex.nets.samplecnn import FILTERS
from mirex.nets.waveform_frozen import Conv, Dense, FrozenWaveformNet, Norm

__all__ = ["FILTERS", "BLOCK_LAYERS", "MULTI_LEVEL", "AMPLIFY", "build_feature_model", "frozen_blocks"]

#: Layers whose outputs are the network's blocks, in order.
BLOCK_LAYERS = tuple(f"block{i}_pool" for i in range(1, 10))
#: Blocks whose global maxima are concatenated into the feature.
MULTI_LEVEL = BLOCK_LAYERS[-3:]
#: Units of the SE module's first dense layer per channel.
AMPLIFY = 16
INNER_DROPOUT = 0.2


def _excite(build, x, *, name):
    from keras import layers

    channels = x.shape[-1]
    gate = layers.GlobalAveragePooling1D(name=f"{name}_squeeze")(x)
    gate = build.dense(gate, channels * AMPLIFY, activation="relu", name=f"{name}_excite1")
    gate = build.dense(gate, channels, activation="sigmoid", name=f"{name}_excite2")
    gate = layers.Reshape((1, channels), name=f"{name}_gate")(gate)
    return layers.Multiply(name=f"{name}_scale")([x, gate])


def _block(build, x, filters, *, name, seed):
    from keras import layers

    shortcut = x
    if x.shape[-1] != filters:
        shortcut = build.norm(build.conv(x, filters, 1, name=f"{name}_short_conv", init="glorot"),
                              name=f"{name}_short_bn")
    y = build.conv_bn_relu(x, filters, 3, name=f"{name}a")
    y = layers.Dropout(INNER_DROPOUT, seed=seed, name=f"{name}_dropout")(y)
    y = build.norm(build.conv(y, filters, 3, name=f"{name}b_conv"), name=f"{name}b_bn")
    y = _excite(build, y, name=name)
    x = layers.Activation("relu", name=f"{name}_relu")(layers.Add(name=f"{name}_add")([shortcut, y]))
    return layers.MaxPooling1D(3, name=f"{name}_pool")(x)


def build_feature_model(*, frontend=None, seed=None, l2=1e-5, bn_momentum=0.99):
    """Build the ReSE-2 multi-level network up to its 1,024-d feature.

    Parameters
    ----------
    frontend : WaveformFrontEnd, optional
        Gives the segment length (default 59,049 samples).
    seed : int, optional
        Seed of the initialisers and of the blocks' dropout.
    l2 : float
        Kernel L2 regularisation of every convolution.
    bn_momentum : float
        Batch-norm moving-average momentum (training only).

    Returns
    -------
    keras.Model
        ``(batch, samples, 1) -> (batch, 1024)``.
    """
    import keras
    from keras import layers

    from mirex.nets.layers import Builder

    frontend = frontend or WaveformFrontEnd()
    build = Builder(seed=seed, l2=l2, bn_momentum=bn_momentum)
    inputs, x = build.stem(frontend.segment_samples)
    outputs = {}
    for index, filters in enumerate(FILTERS, start=1):
        x = outputs[f"block{index}_pool"] = _block(
            build, x, filters, name=f"block{index}", seed=None if seed is None else seed + 1000 + index)
    pooled = [layers.GlobalMaxPooling1D(name=f"{name}_max")(outputs[name]) for name in MULTI_LEVEL]
    return keras.Model(inputs, layers.Concatenate(name="feature")(pooled), name="resse_features")


class FrozenReSE(FrozenWaveformNet):
    """Every block of a :func:`build_feature_model` network as plain PyTorch operations.

    Parameters
    ----------
    weights : dict of str to list of np.ndarray
        Layer name -> arrays (:func:`mirex.nets.weights.weights_of`).
    """

    widths = FILTERS

    def __init__(self, weights):
        super().__init__(weights)
        self.blocks = []
        for index in range(1, len(BLOCK_LAYERS) + 1):
            name = f"block{index}"
            short = f"{name}_short_conv"
            self.blocks.append({
                "short": (Conv(weights, short), Norm(weights, f"{name}_short_bn")) if short in weights else None,
                "a": (Conv(weights, f"{name}a_conv"), Norm(weights, f"{name}a_bn")),
                "b": (Conv(weights, f"{name}b_conv"), Norm(weights, f"{name}b_bn")),
                "excite": (Dense(weights, f"{name}_excite1"), Dense(weights, f"{name}_excite2")),
            })

    @staticmethod
    def _block(x, block):
        shortcut = x
        if block["short"]:
            conv, norm = block["short"]
            shortcut = norm(conv(x))
        conv, norm = block["a"]
        y = norm(conv(x)).relu_()
        conv, norm = block["b"]
        y = norm(conv(y))
        widen, narrow = block["excite"]
        gate = torch.sigmoid(narrow(widen(y.mean(dim=-1)).relu_()))
        y = y.mul_(gate[:, :, None]).add_(shortcut)
        return F.max_pool1d(y, 3).relu_()  # max-pool and ReLU commute; pooling first is cheaper


def frozen_blocks(weights):
    """The frozen per-block inference function of a ReSE-2 network (weights: layer name -> arrays)."""
    return FrozenReSE(weights)
