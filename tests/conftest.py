"""Shared fixtures: synthetic labelled audio, a model bundle, the shared reference data.

The test session uses its own models folder: the published 10,000-artist model
imported from ``../shared/pretrained`` when that folder exists, otherwise a
randomly initialised DCNN (which still separates clearly different sounds).
"""
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MIREX_SHARED_DIR", ROOT.parent / "shared"))
REFERENCE = SHARED / "reference"
PRETRAINED = SHARED / "pretrained" / "msd-artist-siamese"
SR = 22050

#: Synthetic classes with clearly different content.
CLASSES = ("bass", "treble", "noise", "clicks")


def synth(kind, *, seconds, seed, sr=SR):
    """A mono float32 clip of one synthetic class."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    if kind == "bass":
        f0 = rng.uniform(60, 120)
        y = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in (1, 2, 3))
    elif kind == "treble":
        f0 = rng.uniform(1500, 3000)
        y = np.sin(2 * np.pi * f0 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(2, 6) * t))
    elif kind == "noise":
        y = rng.standard_normal(t.size)
    elif kind == "clicks":
        y = np.zeros(t.size)
        period = int(sr * rng.uniform(0.2, 0.4))
        for start in range(0, t.size - 200, period):
            y[start : start + 200] = rng.standard_normal(200) * np.hanning(200)
    else:
        raise ValueError(kind)
    y = y / (np.abs(y).max() + 1e-9) * 0.5 + rng.standard_normal(t.size) * 0.01
    return y.astype(np.float32)


def write_clip(path, y, *, sr=SR, subtype="PCM_16"):
    """Write a clip as WAV (or whatever the suffix says)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y, sr, subtype=subtype)
    return path


@pytest.fixture(scope="session")
def labelled_corpus(tmp_path_factory):
    """Synthetic clips in a folder whose name has spaces and non-ASCII characters.

    Returns a function ``split -> list of (absolute path, label)`` for
    ``split`` in {'train', 'test'}: 8 training and 4 test clips per class, 6 s each.
    """
    folder = tmp_path_factory.mktemp("corpus") / "Audio fïles – ünïcode"
    corpus = {"train": [], "test": []}
    seed = 0
    for split, count in (("train", 8), ("test", 4)):
        for label in CLASSES:
            for i in range(count):
                seed += 1
                path = write_clip(folder / split / f"{label} clip {i:02d} é.wav", synth(label, seconds=6, seed=seed))
                corpus[split].append((str(path), label))
    return corpus


@pytest.fixture(scope="session", autouse=True)
def models_root(tmp_path_factory):
    """A private models folder for the session, with a default bundle, set in the environment."""
    from mirex.bundle import import_keras2, save_bundle
    from mirex.frontend import FrontEnd
    from mirex.network import build_feature_model

    root = tmp_path_factory.mktemp("models")
    published = PRETRAINED / "siamese_10000_artists.h5"
    if published.is_file():
        import_keras2(published, name="default", root=root)
    else:
        save_bundle(name="default", feature_model=build_feature_model(seed=0, l2=0), frontend=FrontEnd(),
                    source="random init (tests)", root=root)
    saved = {k: os.environ.get(k) for k in ("MIREX_MODELS_DIR", "MIREX_MODEL")}
    os.environ.update(MIREX_MODELS_DIR=str(root), MIREX_MODEL="default")
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def mfcc_scratch(tmp_path_factory):
    """A scratch folder trained (in this process) on MFCCs of two synthetic classes."""
    from mirex.cli import main

    work = tmp_path_factory.mktemp("mfcc scratch")
    rows = [(write_clip(work / f"{label}{i}.wav", synth(label, seconds=1, seed=i)), label)
            for label in ("bass", "noise") for i in range(3)]
    train_list = work / "train.txt"
    train_list.write_text("".join(f"{p}\t{label}\n" for p, label in rows))
    # --task-lda off: a task LDA cannot be fitted on folds this small
    assert main(["train", str(work / "scratch"), str(train_list), "--features", "mfcc", "--task-lda", "off",
                 "--quiet"]) == 0
    return work / "scratch"


@pytest.fixture
def reference():
    """The shared reference clip and expected numbers (skips when absent)."""
    expected = REFERENCE / "reference30s_expected.npz"
    if not expected.is_file():
        pytest.skip(f"reference data not found at {REFERENCE} (set MIREX_SHARED_DIR)")
    return REFERENCE / "reference30s.wav", dict(np.load(expected))


@pytest.fixture
def pretrained():
    """The folder with the published Keras 2 files (skips when absent)."""
    if not (PRETRAINED / "siamese_10000_artists.h5").is_file():
        pytest.skip(f"published weights not found at {PRETRAINED} (set MIREX_SHARED_DIR)")
    return PRETRAINED
