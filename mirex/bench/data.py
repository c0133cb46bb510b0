"""Synthetic labelled clips for the benchmark: 30-s, 22,050 Hz mono 16-bit WAV.

Each class has its own pitch register, timbre, pulse rate and noise level, so
a classifier can learn them; each clip draws its own variations. Clips are
written atomically and reused when already present.
"""
from pathlib import Path

import numpy as np
import soundfile as sf

from mirex.atomic import atomic_path

__all__ = ["synthetic_clip", "make_clips"]


def synthetic_clip(label, *, classes, seconds, seed, sr=22050):
    """A mono float32 clip of class ``label`` (0 <= label < classes)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr), dtype=np.float64) / sr
    position = label / max(classes - 1, 1)
    f0 = 70.0 * 2 ** (3.5 * position) * rng.uniform(0.95, 1.05)
    tilt = 0.3 + 1.2 * position  # higher classes: brighter
    tone = sum(np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi)) / k**tilt for k in range(1, 5))
    pulse = 0.55 + 0.45 * np.sin(2 * np.pi * (1.0 + 4.0 * position) * rng.uniform(0.9, 1.1) * t) ** 2
    noise = rng.standard_normal(t.size) * (0.05 + 0.3 * (label % 3) / 2)
    y = tone * pulse + noise
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def make_clips(folder, *, count, classes=10, seconds=30.0, sr=22050):
    """Write (or reuse) ``count`` clips under ``folder``, classes in turn.

    Returns
    -------
    list of (str, str)
        ``(path, label)`` of each clip; labels ``class00``, ``class01``, ...
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    expected = 44 + 2 * int(seconds * sr)  # canonical WAV header + 16-bit samples
    clips = []
    for index in range(count):
        label = index % classes
        path = folder / f"clip{index:05d}-class{label:02d}.wav"
        if not (path.is_file() and path.stat().st_size == expected):
            with atomic_path(path) as tmp:
                sf.write(tmp, synthetic_clip(label, classes=classes, seconds=seconds, seed=index, sr=sr), sr,
                         subtype="PCM_16", format="WAV")
        clips.append((str(path), f"class{label:02d}"))
    return clips
