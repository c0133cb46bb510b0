"""Network architectures for training and their frozen inference copies.

The registry :data:`ARCHS` maps each architecture's name to an
:class:`Arch`: its front-end kind, its feature-model builder, the layers
whose outputs are its blocks (for multi-level features), whether its
training head has a hidden layer, and its frozen PyTorch per-block
inference function. Modules load on first use, so importing this room does
not import Keras.

=============  ===============================  =======  ======  ======================================================
name           input                            feature  blocks  module
=============  ===============================  =======  ======  ======================================================
``dcnn``       log-mel, 129 frames × 128 bands  256      5       :mod:`mirex.nets.dcnn`, :mod:`~mirex.nets.dcnn_frozen`
``samplecnn``  waveform, 59,049 samples         512      10      :mod:`mirex.nets.samplecnn`
``resse``      waveform, 59,049 samples         1,024    9       :mod:`mirex.nets.resse`
=============  ===============================  =======  ======  ======================================================
"""
import importlib
from dataclasses import dataclass

__all__ = ["Arch", "ARCHS", "get_arch", "frozen_network"]


@dataclass(frozen=True)
class Arch:
    """One architecture of the registry.

    Attributes
    ----------
    name : str
    frontend : {'mel', 'waveform'}
        The front-end kind its input comes from.
    module : str
        The module holding ``build_feature_model``, ``BLOCK_LAYERS`` and
        ``frozen_blocks``.
    hidden : bool
        Whether its training head has a hidden dense layer.
    """

    name: str
    frontend: str
    module: str
    hidden: bool = False

    def _module(self):
        return importlib.import_module(self.module)

    @property
    def blocks(self):
        """Names of the feature model's layers whose outputs are the blocks, in order."""
        return self._module().BLOCK_LAYERS

    def default_frontend(self):
        """The front end the architecture was designed for."""
        from mirex.frontends import FrontEnd, WaveformFrontEnd

        return FrontEnd() if self.frontend == "mel" else WaveformFrontEnd()

    def build_feature_model(self, *, frontend=None, seed=None, l2=1e-5, bn_momentum=0.99):
        """The Keras feature model (input segment → feature vector); see each module."""
        return self._module().build_feature_model(frontend=frontend, seed=seed, l2=l2, bn_momentum=bn_momentum)

    def blocks_model(self, feature_model):
        """A Keras model on the same layers returning every block's output, each (n, time, channels)."""
        import keras

        return keras.Model(feature_model.input, [feature_model.get_layer(name).output for name in self.blocks])

    def frozen_blocks(self, weights):
        """The frozen PyTorch network of the architecture.

        Parameters
        ----------
        weights : dict of str to list of np.ndarray
            Layer name -> arrays (:mod:`mirex.nets.weights`: of a Keras
            feature model, or read from a bundle's weights file).

        Returns
        -------
        mirex.nets.dcnn_frozen.FrozenDCNN or mirex.nets.waveform_frozen.FrozenWaveformNet
            ``f(segments)`` -> (n, 2, channels summed over blocks), each
            block's maximum and mean over time, in one pass; ``f.widths``
            (channels per block) and ``f.min_frames`` (the shortest
            segment). The waveform networks' ``f.activations(segments,
            blocks=None)`` gives the blocks themselves, each (n, channels, time).
        """
        return self._module().frozen_blocks(weights)


#: Architecture name -> :class:`Arch`.
ARCHS = {
    "dcnn": Arch("dcnn", "mel", "mirex.nets.dcnn"),
    "samplecnn": Arch("samplecnn", "waveform", "mirex.nets.samplecnn"),
    "resse": Arch("resse", "waveform", "mirex.nets.resse", hidden=True),
}


def get_arch(name):
    """The registered architecture called ``name``.

    Raises
    ------
    ValueError
        If there is none.
    """
    try:
        return ARCHS[name]
    except KeyError:
        raise ValueError(f"architecture must be one of {tuple(ARCHS)}, not {name!r}") from None


def frozen_network(*, arch, path):
    """The frozen PyTorch network of architecture ``arch`` with the weights of a Keras 3 weights file.

    Parameters
    ----------
    arch : str
        A name of :data:`ARCHS` (a bundle's ``arch``).
    path : str or Path
        The weights file (a bundle's :attr:`~mirex.bundle.Bundle.weights_path`).
    """
    from mirex.nets.weights import read_keras_weights

    return get_arch(arch).frozen_blocks(read_keras_weights(path))
