"""Write the regression clips and the features the shipped bundles compute for them.

Run from the repository root, only when a change is meant to change the numbers:

    .venv/bin/python tests/data/regression/regenerate.py

The clips are fixed once written (FLAC, so they are the same bytes on every
machine); ``expected.npz`` holds, for every clip, the song features of the
presets in ``SYSTEMS`` with the shipped bundles, and the first 32 log-mel
frames of the first.
"""
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
#: (name, rate, seconds, channels): mono at the network's rate, two segments, and stereo at 44.1 kHz.
CLIPS = (("tone", 22050, 3.5, 1), ("clicks", 22050, 6.5, 1), ("stereo", 44100, 3.2, 2))
#: (key, preset, bundle) of the stored song features.
SYSTEMS = (("paper-10000", "paper", "msd-siamese-10000"), ("paper-5000", "paper", "msd-siamese-5000"),
           ("paper-1000", "paper", "msd-siamese-1000"), ("hybrid-10000", "hybrid", "msd-siamese-10000"))


def signal(name, sr, seconds, channels):
    rng = np.random.default_rng(len(name))
    t = np.arange(int(sr * seconds)) / sr
    if name == "tone":
        y = sum(np.sin(2 * np.pi * 220 * k * t + 3 * np.sin(2 * np.pi * 5 * t)) / k for k in (1, 2, 3, 4))
    elif name == "clicks":
        y = np.zeros_like(t)
        for start in range(0, t.size - 300, int(sr * 0.25)):
            y[start:start + 300] = rng.standard_normal(300) * np.hanning(300)
    else:
        chirp = np.sin(2 * np.pi * (100 + 1500 * t) * t)
        y = np.stack([chirp, np.sin(2 * np.pi * 440 * t)], axis=1)
    y = 0.5 * y / np.abs(y).max()
    return y if channels > 1 else y[:, None]


def main():
    import mirex
    from mirex import audio
    from mirex.features import FeatureSpec
    from mirex.frontends.mel import FrontEnd, LogMel

    paths = []
    for name, sr, seconds, channels in CLIPS:
        path = HERE / f"{name}.flac"
        if not path.exists():
            sf.write(path, signal(name, sr, seconds, channels), sr, subtype="PCM_16")
        paths.append(str(path))
    expected = {"logmel": LogMel(FrontEnd())(audio.load(paths[0]))[:32]}
    for key, preset, bundle in SYSTEMS:
        spec = FeatureSpec.parse(preset).with_bundle(bundle)
        result = mirex.load_extractor(spec, device="cpu").embed_files(paths, cache=False)
        assert not result.errors, result.errors
        expected[key] = result.features
    np.savez(HERE / "expected.npz", **expected)


if __name__ == "__main__":
    main()
