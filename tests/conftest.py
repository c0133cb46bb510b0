"""Shared fixtures: synthetic labelled audio, isolated user folders, Keras 2 files of the shipped models.

The test session runs with the bundles shipped inside the package (the
published MSD models, the default among them) and with empty folders of its
own for the user's models, data and cache, so no test reads or writes the
real ones and every test sees what a fresh install sees.
"""
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
REGRESSION = ROOT / "tests" / "data" / "regression"
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


def write_tagged(folder, *, seed, works=False):
    """Sixteen 3 s clips tagged with their kind (bass, treble...) and their level (loud, soft), and the table.

    Returns ``(tags.txt, concepts.tsv)`` in ``folder``; with ``works``, each pair of clips is one work
    (a third column).
    """
    lines = []
    for i in range(16):
        kind, level = CLASSES[i % 4], ("loud", "soft")[i // 4 % 2]
        y = synth(kind, seconds=3.2, seed=seed + i) * (1.0 if level == "loud" else 0.1)
        path = write_clip(folder / f"{kind}-{i}.wav", y)
        group = f"\twork{i // 2}" if works else ""
        lines += [f"{path}\t{kind}{group}", f"{path}\t{level}{group}"]
    (folder / "tags.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "concepts.tsv").write_text("".join(f"{k}\tkind\n" for k in CLASSES) + "loud\tlevel\nsoft\tlevel\n",
                                         encoding="utf-8")
    return folder / "tags.txt", folder / "concepts.tsv"


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


class HostilePickle:
    """Unpickling this creates the file ``path``: what any pickle could do instead."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


#: Environment variables that choose the project's folders and default model.
FOLDER_VARIABLES = ("MIREX_MODELS_DIR", "MIREX_MODEL", "MIREX_FEATURE_CACHE", "XDG_DATA_HOME", "XDG_CACHE_HOME")


@pytest.fixture(scope="session", autouse=True)
def models_root(tmp_path_factory):
    """An empty models folder for the session ($MIREX_MODELS_DIR), and empty user folders (XDG)."""
    root = tmp_path_factory.mktemp("models")
    home = tmp_path_factory.mktemp("home")
    saved = {k: os.environ.get(k) for k in FOLDER_VARIABLES}
    for key in FOLDER_VARIABLES:
        os.environ.pop(key, None)
    os.environ.update(MIREX_MODELS_DIR=str(root), XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"))
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def write_keras2(bundle, path):
    """Write ``bundle``'s feature network as a Keras 2 HDF5 model file in TensorFlow layout, as published."""
    import h5py

    from mirex.nets.dcnn import CONV_BLOCKS, build_feature_model

    model = build_feature_model(l2=0)
    model.load_weights(bundle.path / "dcnn.weights.h5")
    with h5py.File(path, "w") as handle:
        group = handle.create_group("model_weights")
        for index in range(1, len(CONV_BLOCKS) + 1):
            for layer, names in ((f"conv1d_{index}", ("kernel", "bias")),
                                 (f"batch_normalization_{index}", ("gamma", "beta", "moving_mean", "moving_variance"))):
                keys = [f"{layer}/{name}:0" for name in names]
                for key, array in zip(keys, model.get_layer(layer).get_weights()):
                    group.create_dataset(f"{layer}/{key}", data=array)
                group[layer].attrs["weight_names"] = [key.encode() for key in keys]
    return path


@pytest.fixture(scope="session")
def published_files(tmp_path_factory):
    """A folder of Keras 2 files ``siamese_{N}_artists.h5`` made from the shipped bundles."""
    from mirex.bundle import load_bundle
    from mirex.published import PUBLISHED

    folder = tmp_path_factory.mktemp("published")
    for item in PUBLISHED:
        write_keras2(load_bundle(item.name), folder / item.filename)
    return folder


@pytest.fixture(scope="session")
def trained_mfcc_scratch(tmp_path_factory):
    """A scratch folder trained (in this process, once) on MFCCs of two synthetic classes; tests get copies."""
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
def mfcc_scratch(trained_mfcc_scratch, tmp_path_factory):
    """A copy of the trained MFCC scratch folder for one test: what its run of the scripts writes there
    (its feature cache) stays its own."""
    return copy_folder(trained_mfcc_scratch, tmp_path_factory.mktemp("scratch") / "scratch")


def copy_folder(folder, target):
    """``folder`` copied to ``target`` (returned)."""
    import shutil

    return Path(shutil.copytree(folder, target))
