"""Benchmark of song-feature extraction (``make bench``, ``python -m mirex.bench``).

- :mod:`mirex.bench.data`: cached synthetic labelled 30-s clips;
- :mod:`mirex.bench.baseline`: the straightforward per-clip path (librosa
  decoding, librosa STFT and mel, one Keras call per clip), the yardstick;
- :mod:`mirex.bench.measure`: one measurement in a fresh process, with the
  peak resident memory of its whole process tree;
- :mod:`mirex.bench.stages`: CPU cost of each stage of the fast path;
- ``mirex.bench.__main__``: the full run, its table and ``results/bench.csv``.
"""
