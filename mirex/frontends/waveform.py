"""The raw-waveform front end of the sample-level networks.

The decoded signal cut into non-overlapping crops, no transform and no
standardisation (the networks start with batch normalisation after their
first convolution). A manifest names it as ``{"kind": "waveform", "sr":
22050, "segment_samples": 59049}``.
"""
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["WaveformFrontEnd"]


@dataclass(frozen=True)
class WaveformFrontEnd:
    """Raw-waveform front end.

    Attributes
    ----------
    sr : int
        Sample rate of the decoded signal.
    segment_samples : int
        Samples per segment: 3^10 = 59,049 (about 2.7 s at 22,050 Hz).
    """

    sr: int = 22050
    segment_samples: int = 59049

    kind = "waveform"

    def to_dict(self):
        """The parameters as a plain dict (for a manifest), ``kind`` included."""
        return {"kind": self.kind, **asdict(self)}

    @classmethod
    def from_dict(cls, data):
        """Build from a manifest dict, ignoring unknown keys."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def segment_frames(self):
        """The segment length in front-end steps: a waveform front end's frames are samples."""
        return self.segment_samples

    def segments(self, y, *, length=None):
        """Non-overlapping crops of one signal from its first sample, shape (n, length), float32.

        ``length`` defaults to ``segment_samples``. A trailing remainder
        shorter than a segment is dropped, except that a signal shorter than
        one segment is zero-padded to give exactly one.
        """
        y = np.asarray(y, dtype=np.float32)
        length = length or self.segment_samples
        count = len(y) // length
        if count == 0:
            padded = np.zeros(length, dtype=np.float32)
            padded[: len(y)] = y
            return padded[None]
        return np.ascontiguousarray(y[: count * length].reshape(count, length))
