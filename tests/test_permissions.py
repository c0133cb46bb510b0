"""What the project writes is as readable as any file the caller creates: the umask decides, not tempfile."""
import os
import stat
import subprocess
import sys

import pytest

from conftest import ROOT

from mirex.keras2 import import_keras2

WRITER = """
import sys
from pathlib import Path
import numpy as np
from mirex.atomic import temp_dir, write_text
from mirex.cache import FeatureCache
from mirex.listfile import write_list
out = Path(sys.argv[1])
write_text(out / "text.txt", "x")
write_list(out / "list.txt", [("a.wav", "x")])
FeatureCache(out / "cache").put("ns", "ab" * 32, np.ones(3))
folder = temp_dir(dir=out, prefix="bundle.")
folder.rename(out / "bundle")
"""


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_created_files_and_folders_follow_the_umask(tmp_path, mask):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", f"import os; os.umask({mask}); exec({WRITER!r})", str(tmp_path)],
                   check=True, env=env, cwd=ROOT, timeout=120)
    made = [p for p in tmp_path.rglob("*")]
    assert {p.name for p in made} >= {"text.txt", "list.txt", "cache", "bundle", "ns"}
    for path in made:
        expected = (0o777 if path.is_dir() else 0o666) & ~mask
        assert stat.S_IMODE(path.stat().st_mode) == expected, (path.name, oct(path.stat().st_mode))


def test_umask_is_read_without_changing_it():
    from mirex.atomic import umask

    before = os.umask(0o022)
    os.umask(before)
    assert umask() == before
    now = os.umask(before)
    os.umask(now)
    assert now == before


def test_model_bundles_follow_the_umask(tmp_path, published_files):
    mask = os.umask(0o022)
    os.umask(mask)
    bundle = import_keras2(published_files / "siamese_1000_artists.h5", name="umask", root=tmp_path / "models").path
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o777 & ~mask
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask for p in bundle.iterdir())
