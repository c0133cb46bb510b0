"""Training heads on a feature model: softmax, sigmoid or several at once.

A head is ``[dense → BN → ReLU] → dropout → dense`` per output: the hidden
layer only for architectures that have one (ReSE-2), one output layer per
label kind, all on the same dropout. Output layers compute in float32, so a
mixed-precision run keeps its softmax and losses in full precision.
"""
import keras
from keras import layers

__all__ = ["build_training_model"]


def build_training_model(feature_model, *, outputs, hidden=False, dropout=0.5, seed=None, bn_momentum=0.99):
    """Put output layers on a feature model.

    Parameters
    ----------
    feature_model : keras.Model
    outputs : dict of str to (int, str)
        Output layer name to (units, activation), e.g. ``{'artist': (500, 'softmax')}``.
    hidden : bool
        A dense layer as wide as the feature, with BN and ReLU, before the dropout.
    dropout : float
    seed : int, optional
        Seed of the dropout masks (kept among the model's variables, so a
        checkpoint restores them).
    bn_momentum : float

    Returns
    -------
    keras.Model
        On the feature model's input; a single output, or a dict of outputs by name.
    """
    x = feature_model.output
    if hidden:
        x = layers.Dense(x.shape[-1], name="hidden")(x)
        x = layers.BatchNormalization(epsilon=1e-3, momentum=bn_momentum, name="hidden_bn")(x)
        x = layers.Activation("relu", name="hidden_relu")(x)
    x = layers.Dropout(dropout, seed=seed, name="dropout")(x)
    heads = {name: layers.Dense(units, activation=activation, dtype="float32", name=name)(x)
             for name, (units, activation) in outputs.items()}
    single = len(heads) == 1
    return keras.Model(feature_model.input, next(iter(heads.values())) if single else heads,
                       name=f"{feature_model.name}_training")
