"""Peak memory of one long file's log-mel: the whole signal at once, or block by block.

    python -m mirex.bench.longfile [--minutes 60] [--rate 44100] [--channels 2] [--file PATH]

writes (once) a synthetic file of that length and a 30-s one, then measures
in a fresh process each: the whole-signal path (``load`` + ``LogMel``) on the
30-s clip and on the long file, and the block-wise path (``stream`` +
``LogMel.from_blocks``) on both, and checks that both paths give
the same log-mel. Prints peak RSS (MB) and seconds per measurement.
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


def _write(path, *, halves, rate, channels):
    import soundfile as sf

    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", samplerate=rate, channels=channels, subtype="PCM_16") as fh:
        for _ in range(halves):  # 30 s at a time
            t = np.arange(rate * 30) / rate
            tone = np.sin(2 * np.pi * rng.uniform(80, 2000) * t)[:, None]
            fh.write((0.3 * tone + 0.05 * rng.standard_normal((t.size, channels))).astype(np.float32))


def _measure(mode, path, out):
    """In this (fresh) process: one log-mel of ``path``, whole or by blocks, saved to ``out``; print RSS and time."""
    from mirex.audio import load, stream
    from mirex.frontend import FrontEnd, LogMel

    logmel = LogMel(FrontEnd())
    start = time.perf_counter()
    if mode == "blocks":
        mel = logmel.from_blocks(stream(path, sr=logmel.frontend.sr))
    else:
        mel = logmel(load(path, sr=logmel.frontend.sr))
    seconds = time.perf_counter() - start
    np.save(out, mel)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "file": Path(path).name, "frames": len(mel), "seconds": round(seconds, 1), "peak_rss_mb": round(peak)}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--rate", type=int, default=44100)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--file", help="the long file (written if absent; default: a temporary one)")
    parser.add_argument("--measure", nargs=3, metavar=("MODE", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        _measure(*args.measure)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path, clip = Path(args.file or Path(tmp) / "long.wav"), Path(tmp) / "clip.wav"
        if not path.is_file():
            _write(path, halves=2 * args.minutes, rate=args.rate, channels=args.channels)
        _write(clip, halves=1, rate=args.rate, channels=args.channels)
        outs = {}
        for mode, source in (("whole", clip), ("blocks", clip), ("whole", path), ("blocks", path)):
            outs[mode] = Path(tmp) / f"{mode}.npy"
            subprocess.run([sys.executable, "-m", "mirex.bench.longfile", "--measure", mode, str(source), str(outs[mode])],
                           check=True)
        whole, blocks = np.load(outs["whole"]), np.load(outs["blocks"])
        print(f"same log-mel: shape {whole.shape == blocks.shape}, max difference {np.abs(whole - blocks).max():.2e}")


if __name__ == "__main__":
    main()
