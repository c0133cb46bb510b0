"""The HEAR 2021 module (hear-eval-kit's common API): ``hear-validator mirex.hear``.

- :func:`load_model` gives a ``torch.nn.Module`` with ``sample_rate``
  (22,050 Hz), ``scene_embedding_size`` and ``timestamp_embedding_size``;
  moving it (``model.to('cuda')``) moves the computation.
- :func:`get_scene_embeddings` is the default feature system's song feature
  (:data:`mirex.features.spec.DEFAULT_PRESET`, on the bundle of ``load_model``),
  computed as the scripts compute it (:meth:`mirex.api.Extractor.embed_batch`:
  the sounds in threads, a few per network call).
- :func:`get_timestamp_embeddings` gives one segment feature (the system's
  blocks and pooling of one 129-frame, about 3-s, window) every
  :data:`TIMESTAMP_STEP` front-end frames: every 1,024 samples, 46.4 ms. The
  window of time ``t`` is centred on ``t``; where a window reaches past the
  sound it sees silence, so sounds of any length (even shorter than one
  window) work. All windows of a sound come from one pass of the network
  over its log-mel (:mod:`mirex.sliding`), the sounds in threads.
  Timestamps are in milliseconds, from 0.
"""
import threading

import numpy as np
import torch

from mirex.api import load_extractor
from mirex.features import DEFAULT_PRESET, FeatureSpec

__all__ = ["load_model", "get_scene_embeddings", "get_timestamp_embeddings", "TIMESTAMP_STEP"]

#: Front-end frames between timestamps (2 x 512 samples at 22,050 Hz: 46.4 ms, within HEAR's 50 ms).
TIMESTAMP_STEP = 2


class HearModel(torch.nn.Module):
    """The default feature system behind the HEAR API; computes on the device it is moved to.

    Parameters
    ----------
    spec : mirex.features.FeatureSpec
    """

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        self.register_buffer("anchor", torch.zeros(0), persistent=False)  # follows .to(device)
        self._extractors, self._lock = {}, threading.Lock()
        extractor = self.extractor()
        self.sample_rate = int(extractor.sr)
        self.scene_embedding_size = int(extractor.dim)
        self.timestamp_embedding_size = int(extractor.segment_dim)
        frontend = extractor.frontend
        self.timestamp_ms = 1000.0 * TIMESTAMP_STEP * frontend.hop_length / frontend.sr

    def extractor(self):
        """The :class:`mirex.api.Extractor` on the module's current device (built once per device)."""
        device = self.anchor.device
        with self._lock:
            if device not in self._extractors:
                self._extractors[device] = load_extractor(self.spec, device=device)
            return self._extractors[device]


def load_model(model_file_path=""):
    """The HEAR model of the default feature system.

    Parameters
    ----------
    model_file_path : str
        Empty for the default bundle, else a bundle folder (or a bundle
        name in the models folder).

    Returns
    -------
    HearModel
        On the CPU; ``.to(device)`` moves it.
    """
    spec = FeatureSpec.parse(DEFAULT_PRESET)
    return HearModel(spec.with_bundle(str(model_file_path)) if model_file_path else spec)


def get_scene_embeddings(audio, model):
    """Song features of a batch of sounds.

    Parameters
    ----------
    audio : torch.Tensor, float32, shape (n_sounds, n_samples)
        Mono sounds at ``model.sample_rate``, in [-1, 1].
    model : HearModel

    Returns
    -------
    torch.Tensor, float32, shape (n_sounds, model.scene_embedding_size), on ``audio``'s device
    """
    features = model.extractor().embed_batch(audio, model.sample_rate)
    return torch.from_numpy(features).to(audio.device)


def get_timestamp_embeddings(audio, model):
    """Segment features at regular times of a batch of sounds (``audio`` and ``model`` as for the scene).

    Returns
    -------
    embeddings : torch.Tensor, float32, shape (n_sounds, n_times, model.timestamp_embedding_size)
    timestamps : torch.Tensor, float32, shape (n_sounds, n_times)
        The centre of each embedding's window in milliseconds: 0, 46.4, 92.9, ...
    Both on ``audio``'s device.
    """
    segments = model.extractor().embed_segments_batch(audio, model.sample_rate, step=TIMESTAMP_STEP)
    embeddings = torch.from_numpy(np.stack([s.features for s in segments])).to(audio.device)
    times = torch.arange(embeddings.shape[1], dtype=torch.float32, device=audio.device) * model.timestamp_ms
    return embeddings, times.repeat(len(audio), 1)
