"""The sample-level CNN, 3^9 model (arXiv 1703.01789), on raw waveforms.

Input: 59,049 samples (3^10, about 2.7 s at 22,050 Hz), one channel.

=======  ========================  ===========================================================
block    output (time × channels)  layers
=======  ========================  ===========================================================
stem     19,683 × 128              conv 3, stride 3, 128 → BN → ReLU
1–9      6,561 × 128 … 1 × 512     conv 3 ('same') → BN → ReLU → max-pool 3, filters 128, 128,
                                   256, 256, 256, 256, 256, 256, 512
10       1 × 512                   conv 1, 512 → BN → ReLU
feature  512                       global max over time
head     outputs                   dropout 0.5 → dense (training head, :mod:`mirex.nets.heads`)
=======  ========================  ===========================================================

Choices where the paper is silent: block 10 has batch normalisation and a
ReLU like every other conv layer (the paper's table lists conv 1-512 then
dropout); He-uniform initialisation and a kernel L2 of 1e-5 as in the
house DCNN; biases in every convolution; a global max over time turns the
block-10 output into the feature vector, so a longer input gives a longer
output pooled over its whole length (the network is fully convolutional).
The blocks of the multi-level features are blocks 1–10 (the stem is not one).

Keras is imported by the builder only: the frozen copy needs PyTorch alone.
"""
import torch.nn.functional as F

from mirex.frontends import WaveformFrontEnd
from mirex.nets.waveform_frozen import Conv, FrozenWaveformNet, Norm

__all__ = ["FILTERS", "BLOCK_LAYERS", "build_feature_model", "frozen_blocks"]

#: Filters of conv blocks 1–9 (each: conv 3, BN, ReLU, max-pool 3).
FILTERS = (128, 128, 256, 256, 256, 256, 256, 256, 512)
#: Layers whose outputs are the network's blocks, in order (block 10: the conv 1 × 512).
BLOCK_LAYERS = (*(f"block{i}_pool" for i in range(1, 10)), "block10_relu")


def build_feature_model(*, frontend=None, seed=None, l2=1e-5, bn_momentum=0.99):
    """Build the 3^9 sample-level CNN up to its 512-d feature.

    Parameters
    ----------
    frontend : WaveformFrontEnd, optional
        Gives the segment length (default 59,049 samples).
    seed : int, optional
        Seed of the initialisers.
    l2 : float
        Kernel L2 regularisation of every convolution.
    bn_momentum : float
        Batch-norm moving-average momentum (training only).

    Returns
    -------
    keras.Model
        ``(batch, samples, 1) -> (batch, 512)``.
    """
    import keras
    from keras import layers

    from mirex.nets.layers import Builder

    frontend = frontend or WaveformFrontEnd()
    build = Builder(seed=seed, l2=l2, bn_momentum=bn_momentum)
    inputs, x = build.stem(frontend.segment_samples)
    for index, filters in enumerate(FILTERS, start=1):
        x = build.conv_bn_relu(x, filters, 3, name=f"block{index}")
        x = layers.MaxPooling1D(3, name=f"block{index}_pool")(x)
    x = build.conv_bn_relu(x, 512, 1, name="block10")
    return keras.Model(inputs, layers.GlobalMaxPooling1D(name="feature")(x), name="samplecnn_features")


class FrozenSampleCNN(FrozenWaveformNet):
    """Every block of a :func:`build_feature_model` network as plain PyTorch operations.

    Parameters
    ----------
    weights : dict of str to list of np.ndarray
        Layer name -> arrays (:func:`mirex.nets.weights.weights_of`).
    """

    widths = (*FILTERS, 512)

    def __init__(self, weights):
        super().__init__(weights)
        self.blocks = [(Conv(weights, f"block{i}_conv"), Norm(weights, f"block{i}_bn"), 3 if i <= len(FILTERS) else 0)
                       for i in range(1, len(BLOCK_LAYERS) + 1)]

    @staticmethod
    def _block(x, block):
        conv, norm, pool = block
        x = norm(conv(x))
        if pool:
            x = F.max_pool1d(x, pool)  # max-pool and ReLU commute; pooling first is cheaper
        return x.relu_()


def frozen_blocks(weights):
    """The frozen per-block inference function of a sample-level CNN (weights: layer name -> arrays)."""
    return FrozenSampleCNN(weights)
