"""Peak memory of one long file's song feature: the whole signal at once, or block by block.

    python -m mirex.bench.longfile [--minutes 60] [--rate 44100] [--channels 2] [--file PATH] [--features SPEC]

writes (once) a synthetic file of that length and a 30-s one, then measures
in a fresh process each: the whole-signal path (``load``, then the
extractor's stages on the signal) on the 30-s clip and on the long file, and
the path the scripts take (:func:`mirex.extract.extract`: ``stream`` and the
mel spectrogram block by block) on both, and checks that both give the same
song feature. Prints peak RSS (MB) and seconds per measurement.
"""
import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mirex.features import DEFAULT_PRESET


def _write(path, *, halves, rate, channels):
    import soundfile as sf

    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", samplerate=rate, channels=channels, subtype="PCM_16") as fh:
        for _ in range(halves):  # 30 s at a time
            t = np.arange(rate * 30) / rate
            tone = np.sin(2 * np.pi * rng.uniform(80, 2000) * t)[:, None]
            fh.write((0.3 * tone + 0.05 * rng.standard_normal((t.size, channels))).astype(np.float32))


def _measure(mode, path, out, features):
    """In this (fresh) process: the song feature of ``path``, whole or by blocks, saved to ``out``; print RSS and time."""
    from mirex.audio import load
    from mirex.extract import extract
    from mirex.features import feature_pipeline

    extractor = feature_pipeline(features)
    start = time.perf_counter()
    if mode == "blocks":
        result = extract([str(path)], extractor=extractor, n_jobs=1)
        assert not result.errors, result.errors
        feature = result.features[0]
    else:
        feature = extractor.features([load(path, sr=extractor.sr)])[0]
    seconds = time.perf_counter() - start
    np.save(out, feature)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "file": Path(path).name, "features": features, "seconds": round(seconds, 1),
                      "peak_rss_mb": round(peak)}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--rate", type=int, default=44100)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--file", help="the long file (written if absent; default: a temporary one)")
    parser.add_argument("--features", default=DEFAULT_PRESET, help=f"feature system (default: {DEFAULT_PRESET})")
    parser.add_argument("--measure", nargs=3, metavar=("MODE", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        _measure(*args.measure, features=args.features)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path, clip = Path(args.file or Path(tmp) / "long.wav"), Path(tmp) / "clip.wav"
        if not path.is_file():
            _write(path, halves=2 * args.minutes, rate=args.rate, channels=args.channels)
        _write(clip, halves=1, rate=args.rate, channels=args.channels)
        outs = {}
        for mode, source in (("whole", clip), ("blocks", clip), ("whole", path), ("blocks", path)):
            outs[mode] = Path(tmp) / f"{mode}.npy"
            subprocess.run([sys.executable, "-m", "mirex.bench.longfile", "--measure", mode, str(source),
                            str(outs[mode]), "--features", args.features], check=True)
        whole, blocks = np.load(outs["whole"]), np.load(outs["blocks"])
        print(f"same song feature: max difference {np.abs(whole - blocks).max():.2e} "
              f"(largest value {np.abs(whole).max():.2f})")


if __name__ == "__main__":
    main()
