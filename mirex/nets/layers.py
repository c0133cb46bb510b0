"""Keras building blocks shared by the sample-level networks.

Every layer gets an explicit name (so weights map by name and the frozen
PyTorch copies find them) and, with a ``seed``, its own initialiser seed
(``seed + offset``), so the same seed always builds the same network.
"""
import keras
from keras import layers, regularizers

__all__ = ["Builder"]


class Builder:
    """Layer factory holding a network's shared settings.

    Parameters
    ----------
    seed : int, optional
        Base seed of the initialisers.
    l2 : float
        Kernel L2 regularisation of every convolution (0: none).
    bn_momentum : float
        Batch-norm moving-average momentum (training only).
    """

    def __init__(self, *, seed=None, l2=1e-5, bn_momentum=0.99):
        self.seed, self.l2, self.bn_momentum = seed, l2, bn_momentum
        self._offset = 0

    def _init(self, kind):
        self._offset += 1
        seed = None if self.seed is None else self.seed + self._offset
        return keras.initializers.HeUniform(seed) if kind == "he" else keras.initializers.GlorotUniform(seed)

    def conv(self, x, filters, kernel, *, name, strides=1, padding="same", init="he"):
        """A 1-D convolution (L2-regularised, He-uniform by default)."""
        return layers.Conv1D(filters, kernel, strides=strides, padding=padding, kernel_initializer=self._init(init),
                             kernel_regularizer=regularizers.L2(self.l2) if self.l2 else None, name=name)(x)

    def norm(self, x, *, name):
        """Batch normalisation (epsilon 1e-3, Keras's default)."""
        return layers.BatchNormalization(epsilon=1e-3, momentum=self.bn_momentum, name=name)(x)

    def conv_bn_relu(self, x, filters, kernel, *, name, strides=1, padding="same"):
        """conv → BN → ReLU, layers ``NAME_conv``, ``NAME_bn``, ``NAME_relu``."""
        x = self.conv(x, filters, kernel, strides=strides, padding=padding, name=f"{name}_conv")
        x = self.norm(x, name=f"{name}_bn")
        return layers.Activation("relu", name=f"{name}_relu")(x)

    def dense(self, x, units, *, name, activation=None):
        """A Glorot-uniform dense layer."""
        return layers.Dense(units, activation=activation, kernel_initializer=self._init("glorot"), name=name)(x)

    def stem(self, samples):
        """Waveform input ``(samples, 1)`` and the strided first convolution (size 3, stride 3, 128 filters)."""
        inputs = keras.Input((samples, 1), name="waveform")
        return inputs, self.conv_bn_relu(inputs, 128, 3, strides=3, padding="valid", name="stem")
