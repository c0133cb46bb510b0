"""IEEE float32 arithmetic on CUDA devices for feature extraction.

PyTorch lets cuDNN run float32 convolutions in TF32 (10-bit mantissa) by
default on Ampere and later GPUs, and a caller may allow it for matrix
products too. Features computed so differ from the CPU's by up to a few
percent of small values (measured on an H100: 0.035 on outputs of about 5),
which is more than the float32 rounding the feature cache and the tests
allow between devices. :func:`full_float32` switches both off while the
network or the front end runs on a CUDA device, and restores the caller's
settings after.
"""
import contextlib
import threading

__all__ = ["full_float32"]

#: The settings are the whole process's: blocks that change them run one at a time.
_LOCK = threading.RLock()


@contextlib.contextmanager
def full_float32(device):
    """Convolutions and matrix products in IEEE float32 while the block runs on ``device``.

    Nothing changes for a device other than CUDA. On CUDA the block holds a
    process-wide lock: the settings take effect when kernels are launched,
    so blocks in other threads wait rather than see them changed.

    Parameters
    ----------
    device : str or torch.device
    """
    import torch

    if torch.device(device).type != "cuda":
        yield
        return
    with _LOCK:
        switches = _switches(torch)
        saved = [getattr(owner, name) for owner, name, _ in switches]
        try:
            for owner, name, value in switches:
                setattr(owner, name, value)
            yield
        finally:
            for (owner, name, _), value in zip(switches, saved):
                setattr(owner, name, value)


def _switches(torch):
    """``(object, attribute, IEEE value)`` of the cuDNN convolution and matrix product settings."""
    conv = getattr(torch.backends.cudnn, "conv", None)
    if hasattr(conv, "fp32_precision"):  # PyTorch 2.9 on: mixing these with the older flags is an error
        return [(conv, "fp32_precision", "ieee"), (torch.backends.cuda.matmul, "fp32_precision", "ieee")]
    return [(torch.backends.cudnn, "allow_tf32", False), (torch.backends.cuda.matmul, "allow_tf32", False)]
