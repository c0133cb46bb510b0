"""Smoke test of an installed mirex, run from outside the checkout with an empty HOME (see .ci/wheel-check).

    python installed_smoke.py REGRESSION_DIR

REGRESSION_DIR is the checkout's tests/data/regression: the committed clips and
the features the checkout computes for them. Prints what it checked; exits
non-zero at the first check that fails.
"""
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import soundfile as sf


def files_under(folder):
    """Every file below ``folder`` with its size and modification time."""
    return {(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in Path(folder).rglob("*") if p.is_file()}


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        sys.exit(1)


def main(regression):
    site = Path(sysconfig.get_paths()["purelib"])
    before = files_under(site)
    home = Path(os.environ["HOME"])
    work = Path.cwd()

    import mirex
    import mirex.hear

    package = Path(mirex.__file__).resolve().parent
    check(package.is_relative_to(site) and not package.is_relative_to(Path(regression).parents[2]),
          f"mirex {mirex.__version__} imported from {package}")
    version = subprocess.run(["mirex", "--version"], capture_output=True, text=True)
    check(version.stdout.strip() == f"mirex {mirex.__version__}", f"`mirex --version`: {version.stdout.strip()}")

    expected = np.load(Path(regression) / "expected.npz")
    clips = [str(Path(regression) / f"{name}.flac") for name in ("tone", "clicks", "stereo")]
    extractor = mirex.load_extractor()
    signal, sr = sf.read(clips[0], dtype="float32")
    feature = extractor.embed(signal, sr)
    check(np.allclose(feature, expected["hybrid-10000"][0], rtol=1e-4, atol=1e-4),
          f"load_extractor().embed(signal, {sr}) equals the checkout's features ({feature.shape[0]}-d)")
    result = extractor.embed_files(clips)
    check(not result.errors and np.allclose(result.features, expected["hybrid-10000"], rtol=1e-4, atol=1e-4),
          f"embed_files of {len(clips)} files equals the checkout's features")
    cache = list((home / ".cache" / "mirex").rglob("*.npy"))
    check(len(cache) >= len(clips), f"the feature cache is in the user's cache folder ({len(cache)} entries)")

    rows = [(f"{kind}{i}.wav", kind) for kind in ("low", "high") for i in range(3)]
    t = np.arange(22050 * 2) / 22050
    for i, (name, kind) in enumerate(rows):
        f0 = (110 if kind == "low" else 3000) * (1 + 0.05 * i)
        sf.write(work / name, (0.4 * np.sin(2 * np.pi * f0 * t)).astype(np.float32), 22050)
    (work / "train.txt").write_text("".join(f"{name}\t{kind}\n" for name, kind in rows))
    (work / "test.txt").write_text("".join(f"{name}\n" for name, _ in rows))
    for argv in (["train", "scratch", "train.txt", "--task-lda", "off", "--quiet"],
                 ["test", "scratch", "test.txt", "out.txt", "--quiet"]):
        run = subprocess.run(["mirex", *argv], capture_output=True, text=True)
        check(run.returncode == 0, f"`mirex {' '.join(argv)}` exits 0 {run.stderr.strip()[-300:]}")
    lines = (work / "out.txt").read_text().splitlines()
    check(lines == [f"{name}\t{kind}" for name, kind in rows], f"`mirex test` labels all {len(lines)} files")

    import torch

    model = mirex.hear.load_model("")
    audio = torch.from_numpy(np.random.default_rng(0).uniform(-1, 1, (2, int(model.sample_rate * 3.74)))).float()
    scene = mirex.hear.get_scene_embeddings(audio, model)
    stamps, times = mirex.hear.get_timestamp_embeddings(audio, model)
    check(scene.shape == (2, model.scene_embedding_size) and stamps.shape[-1] == model.timestamp_embedding_size
          and times.shape == stamps.shape[:2], f"HEAR module: scene {tuple(scene.shape)}, timestamps {tuple(stamps.shape)}")

    changed = sorted({name for name, *_ in files_under(site) ^ before})
    check(not changed, f"nothing written inside site-packages {changed[:5]}")
    print("installed smoke test passed")


if __name__ == "__main__":
    main(sys.argv[1])
