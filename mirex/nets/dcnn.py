"""The Table-1 DCNN (:mod:`mirex.network`) seen through the architecture registry.

The network itself stays in :mod:`mirex.network` (its layer names follow the
published Keras 2 models) and its frozen copy in :mod:`mirex.inference`;
this module adapts them to the registry's signatures and names its blocks.
"""
from mirex.frontends.mel import FrontEnd

__all__ = ["BLOCKS", "build_feature_model", "frozen_blocks"]

#: Layers whose outputs are the DCNN's five blocks, in order.
BLOCKS = (*(f"max_pooling1d_{i}" for i in range(1, 5)), "relu_5")


def build_feature_model(*, frontend=None, seed=None, l2=1e-5, bn_momentum=0.99):
    """The DCNN feature model for a mel front end (see :func:`mirex.network.build_feature_model`)."""
    from mirex import network

    frontend = frontend or FrontEnd()
    return network.build_feature_model(frames=frontend.segment_frames, n_mels=frontend.n_mels, l2=l2, seed=seed,
                                       bn_momentum=bn_momentum)


def frozen_blocks(weights):
    """The frozen DCNN (:class:`mirex.inference.FrozenDCNN`) of layer-name weight arrays."""
    from mirex.inference import FrozenDCNN

    return FrozenDCNN(weights)
