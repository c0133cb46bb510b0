"""mirex: artist-label DCNN features for MIREX audio train/test classification.

The package sets ``KERAS_BACKEND=torch`` unless the user chose another backend,
so that importing :mod:`keras` anywhere below gets PyTorch.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

__version__ = "0.1.0"
