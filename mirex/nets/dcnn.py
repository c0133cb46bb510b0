"""The artist-label DCNN of Table 1: its builder and Siamese training head, in backend-neutral Keras 3.

One-dimensional convolutions run over time with the mel bands as channels.
The *feature model* maps a standardised segment (frames, mel bands) to the
256-d output of the last conv block; training heads are built on top of it
(the plain ones by :mod:`mirex.nets.heads`). Layer names follow the
published Keras 2 models, so their weights map 1:1.

Keras is imported by the builders only: the frozen copy
(:mod:`mirex.nets.dcnn_frozen`) needs PyTorch alone.
"""
from mirex.frontends.mel import FrontEnd
from mirex.nets.dcnn_frozen import CONV_BLOCKS, FrozenDCNN

__all__ = ["CONV_BLOCKS", "BLOCK_LAYERS", "build_feature_model", "build_siamese_model", "hinge_loss",
           "ranking_accuracy", "frozen_blocks"]

#: Layers whose outputs are the DCNN's five blocks, in order: each block's pooling, or its ReLU if it has none.
BLOCK_LAYERS = tuple(f"max_pooling1d_{i}" if pool else f"relu_{i}" for i, (_, _, pool) in enumerate(CONV_BLOCKS, 1))


def build_feature_model(*, frontend=None, seed=None, l2=1e-5, bn_momentum=0.99):
    """Build the DCNN up to its 256-d feature.

    Parameters
    ----------
    frontend : FrontEnd, optional
        Gives the input segment shape: ``segment_frames`` time frames of
        ``n_mels`` mel bands (default: the published front end's 129 × 128).
    seed : int, optional
        Seed of the He-uniform initialisers.
    l2 : float
        Kernel L2 regularisation of every convolution.
    bn_momentum : float
        Momentum of the batch-norm moving statistics (training only; not stored
        in the weights).

    Returns
    -------
    model : keras.Model
        ``(batch, frames, n_mels) -> (batch, 256)``: conv → BN → ReLU → max-pool
        blocks, then a global max over the remaining time steps (one step for
        129-frame input).
    """
    import keras
    from keras import layers, regularizers

    frontend = frontend or FrontEnd()
    inputs = keras.Input((frontend.segment_frames, frontend.n_mels), name="mel")
    x = inputs
    for index, (filters, kernel, pool) in enumerate(CONV_BLOCKS, start=1):
        x = layers.Conv1D(
            filters,
            kernel,
            padding="same",
            kernel_initializer=keras.initializers.HeUniform(seed=None if seed is None else seed + index),
            kernel_regularizer=regularizers.L2(l2) if l2 else None,
            name=f"conv1d_{index}",
        )(x)
        x = layers.BatchNormalization(epsilon=1e-3, momentum=bn_momentum, name=f"batch_normalization_{index}")(x)
        x = layers.Activation("relu", name=f"relu_{index}")(x)
        if pool:
            x = layers.MaxPooling1D(pool, name=f"max_pooling1d_{index}")(x)
    outputs = layers.GlobalMaxPooling1D(name="feature")(x)
    return keras.Model(inputs, outputs, name="dcnn_features")


def build_siamese_model(feature_model, *, n_negatives=4):
    """Add the Siamese training head (arXiv 1710.06648).

    The shared feature model embeds an anchor segment, one segment of the same
    artist and ``n_negatives`` segments of other artists; the output holds the
    cosine similarity of the anchor with each of them.

    Returns
    -------
    model : keras.Model
        Inputs ``anchor, positive, negative_1 .. negative_K``, each (batch,
        frames, n_mels); output (batch, 1 + K): positive similarity first.
    """
    import keras
    from keras import layers

    shape = tuple(feature_model.input.shape[1:])
    names = ["anchor", "positive", *(f"negative_{i}" for i in range(1, n_negatives + 1))]
    inputs = [keras.Input(shape, name=name) for name in names]
    anchor, *others = (feature_model(x) for x in inputs)
    similarities = [layers.Dot(axes=1, normalize=True, name=f"cosine_{name}")([anchor, other])
                    for name, other in zip(names[1:], others)]
    outputs = layers.Concatenate(name="similarities")(similarities)
    return keras.Model(inputs, outputs, name="dcnn_siamese")


def hinge_loss(margin=0.4):
    """Siamese hinge loss: per item, the mean over negatives of max(0, margin - s_pos + s_neg).

    ``y_pred`` is the Siamese model's output (positive similarity first);
    ``y_true`` is ignored.
    """
    from keras import ops

    def siamese_hinge(y_true, y_pred):
        return ops.mean(ops.relu(margin - y_pred[:, :1] + y_pred[:, 1:]), axis=-1)

    return siamese_hinge


def ranking_accuracy(y_true, y_pred):
    """Share of items whose positive is more similar to the anchor than every negative."""
    from keras import ops

    return ops.cast(ops.greater(y_pred[:, 0], ops.max(y_pred[:, 1:], axis=-1)), "float32")


def frozen_blocks(weights):
    """The frozen DCNN (:class:`~mirex.nets.dcnn_frozen.FrozenDCNN`) of layer-name weight arrays."""
    return FrozenDCNN(weights)
