"""The mel front end in PyTorch, on any device: what :mod:`mirex.frontends.mel` and
:mod:`mirex.frontends.segments` compute with NumPy, to within 1e-4."""
from mirex.frontends.mel import compress, mel_basis
from mirex.precision import full_float32

__all__ = ["TorchLogMel"]


class TorchLogMel:
    """The front end in PyTorch: mel spectrogram, log-mel, segments and standardisation on any device.

    Computes what :class:`~mirex.frontends.mel.MelSpectrogram`,
    :class:`~mirex.frontends.mel.LogMel` and :func:`~mirex.frontends.segments.segments` compute (the same framing, periodic Hann window,
    magnitude of the real FFT, mel basis, ``log10(1 + 10 mel)`` and cut) to
    within 1e-4, so the whole path after decoding can run where the network
    runs. Holds no state but its constants; calls are thread-safe.

    Parameters
    ----------
    frontend : FrontEnd
    device : str or torch.device, optional
        Where the tensors live (default: the CPU).
    """

    def __init__(self, frontend, *, device=None):
        import torch

        self.frontend = frontend
        self.device = torch.device(device or "cpu")
        self.window = torch.hann_window(frontend.n_fft, periodic=True, dtype=torch.float32, device=self.device)
        self.mel_t = torch.from_numpy(mel_basis(frontend.sr, frontend.n_fft, frontend.n_mels).T.copy()).to(self.device)

    def spectrogram(self, y):
        """Time-major magnitude mel spectrogram of signals, shape (..., frames, n_mels), float32, on the device.

        Parameters
        ----------
        y : array-like or torch.Tensor, shape (..., samples)
            Mono signals at ``frontend.sr`` (NumPy or torch, any float dtype).
        """
        import torch

        fe = self.frontend
        y = torch.as_tensor(y, dtype=torch.float32).to(self.device)
        padded = torch.nn.functional.pad(y, (fe.n_fft // 2, fe.n_fft // 2))
        frames = padded.unfold(-1, fe.n_fft, fe.hop_length)
        with full_float32(self.device):
            return torch.fft.rfft(frames * self.window, dim=-1).abs() @ self.mel_t

    def __call__(self, y):
        """Time-major log-mel of signals, shape (..., frames, n_mels) (see :meth:`spectrogram`)."""
        return compress(self.spectrogram(y))

    def standardise(self, mel):
        """Standardise with the front end's mean and std."""
        return (mel - self.frontend.mean) / self.frontend.std

    def cut(self, mel, *, length=None):
        """Standardised non-overlapping segments of one log-mel, shape (n_segments, length, n_mels).

        The cut of :func:`~mirex.frontends.segments.segments`: from frame 0, the remainder dropped, a
        clip shorter than one segment zero-padded to one. ``length``
        defaults to the front end's ``segment_frames``.
        """
        import torch

        length = length or self.frontend.segment_frames
        count = max(len(mel) // length, 1)
        if len(mel) < length:
            mel = torch.nn.functional.pad(mel, (0, 0, 0, length - len(mel)))
        return self.standardise(mel[: count * length].reshape(count, length, mel.shape[1]))
