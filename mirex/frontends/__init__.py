"""Front ends: what turns a decoded signal into a network's input, and reading one from a manifest.

A bundle's manifest names its front end in the ``frontend`` dict: a mel
front end (:class:`~mirex.frontends.mel.FrontEnd`: log-mel spectrograms,
3-s segments, standardisation; a dict without ``"kind"`` is one, so older
bundles read as before) or the raw-waveform front end of the sample-level
CNNs (:class:`~mirex.frontends.waveform.WaveformFrontEnd`).
:func:`frontend_from_dict` reads either.

=====================================  ============================================================
module                                 holds
=====================================  ============================================================
:mod:`mirex.frontends.mel`             the mel parameters, mel spectrogram and log-mel (NumPy)
:mod:`mirex.frontends.segments`        STFT framing of a stream, segments, standardisation
:mod:`mirex.frontends.torch_mel`       the mel front end in PyTorch, on any device
:mod:`mirex.frontends.waveform`        the raw-waveform front end
=====================================  ============================================================
"""
from mirex.frontends.mel import FrontEnd
from mirex.frontends.waveform import WaveformFrontEnd

__all__ = ["FrontEnd", "WaveformFrontEnd", "frontend_from_dict", "KINDS"]

#: Front-end kinds a manifest may name.
KINDS = ("mel", "waveform")


def frontend_from_dict(data):
    """The front end a manifest's ``frontend`` dict describes (mel when it names no kind).

    Raises
    ------
    ValueError
        If ``kind`` is neither 'mel' nor 'waveform'.
    """
    kind = data.get("kind", "mel")
    if kind == "mel":
        return FrontEnd.from_dict(data)
    if kind == "waveform":
        return WaveformFrontEnd.from_dict(data)
    raise ValueError(f"front-end kind must be one of {KINDS}, not {kind!r}")
