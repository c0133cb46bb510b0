"""The artist-label DCNN of Table 1, in backend-neutral Keras 3.

One-dimensional convolutions run over time with the mel bands as channels.
The *feature model* maps a standardised segment (frames, mel bands) to the
256-d output of the last conv block; training heads are built on top of it.
Layer names follow the published Keras 2 models, so their weights map 1:1.
"""
import keras
from keras import layers, regularizers

__all__ = ["BLOCKS", "build_feature_model", "build_softmax_model"]

#: (filters, kernel size, pool size) of the five conv blocks; pool None = no pooling.
BLOCKS = ((128, 4, 4), (128, 4, 4), (128, 4, 4), (128, 2, 2), (256, 1, None))


def build_feature_model(*, frames=129, n_mels=128, l2=1e-5, seed=None):
    """Build the DCNN up to its 256-d feature.

    Parameters
    ----------
    frames, n_mels : int
        Input segment shape (time frames, mel bands).
    l2 : float
        Kernel L2 regularisation of every convolution.
    seed : int, optional
        Seed of the He-uniform initialisers.

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
        x = layers.BatchNormalization(epsilon=1e-3, name=f"batch_normalization_{index}")(x)
        x = layers.Activation("relu", name=f"relu_{index}")(x)
        if pool:
            x = layers.MaxPooling1D(pool, name=f"max_pooling1d_{index}")(x)
    outputs = layers.GlobalMaxPooling1D(name="feature")(x)
    return keras.Model(inputs, outputs, name="dcnn_features")


def build_softmax_model(feature_model, *, n_artists, dropout=0.5):
    """Add the plain training head: dropout and a softmax over artists."""
    x = layers.Dropout(dropout, name="dropout")(feature_model.output)
    outputs = layers.Dense(n_artists, activation="softmax", name="artist")(x)
    return keras.Model(feature_model.input, outputs, name="dcnn_artists")
