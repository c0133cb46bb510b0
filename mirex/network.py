"""The artist-label DCNN of Table 1, in backend-neutral Keras 3.

One-dimensional convolutions run over time with the mel bands as channels.
The *feature model* maps a standardised segment (frames, mel bands) to the
256-d output of the last conv block; training heads are built on top of it.
Layer names follow the published Keras 2 models, so their weights map 1:1.
"""
import keras
from keras import layers, ops, regularizers

from mirex.inference import BLOCKS

__all__ = ["BLOCKS", "build_feature_model", "build_softmax_model", "build_siamese_model", "hinge_loss",
           "ranking_accuracy"]


def build_feature_model(*, frames=129, n_mels=128, l2=1e-5, seed=None, bn_momentum=0.99):
    """Build the DCNN up to its 256-d feature.

    Parameters
    ----------
    frames, n_mels : int
        Input segment shape (time frames, mel bands).
    l2 : float
        Kernel L2 regularisation of every convolution.
    seed : int, optional
        Seed of the He-uniform initialisers.
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
    inputs = keras.Input((frames, n_mels), name="mel")
    x = inputs
    for index, (filters, kernel, pool) in enumerate(BLOCKS, start=1):
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


def build_softmax_model(feature_model, *, n_artists, dropout=0.5, seed=None):
    """Add the plain training head: dropout and a softmax over artists.

    With a ``seed`` the dropout masks come from a seed state stored among the
    model's variables (so a checkpoint restores them), else from the backend's
    global generator.
    """
    x = layers.Dropout(dropout, seed=seed, name="dropout")(feature_model.output)
    outputs = layers.Dense(n_artists, activation="softmax", name="artist")(x)
    return keras.Model(feature_model.input, outputs, name="dcnn_artists")


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

    def siamese_hinge(y_true, y_pred):
        return ops.mean(ops.relu(margin - y_pred[:, :1] + y_pred[:, 1:]), axis=-1)

    return siamese_hinge


def ranking_accuracy(y_true, y_pred):
    """Share of items whose positive is more similar to the anchor than every negative."""
    return ops.cast(ops.greater(y_pred[:, 0], ops.max(y_pred[:, 1:], axis=-1)), "float32")
