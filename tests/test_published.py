import logging
import shutil

import pytest

from mirex.bundle import load_bundle
from mirex.errors import BundleError
from mirex.published import PUBLISHED, fetch_models


def test_fetch_from_local_copies_then_skip(tmp_path, pretrained, caplog):
    caplog.set_level(logging.INFO, logger="mirex")
    fetch_models(source_dir=pretrained, root=tmp_path)
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} == {p.name for p in PUBLISHED}
    assert load_bundle(str(tmp_path / "msd-siamese-5000")).manifest["n_artists"] == 5000
    caplog.clear()
    fetch_models(source_dir=pretrained, root=tmp_path)
    assert caplog.messages[-3:] == [f"{p.name}: already imported" for p in PUBLISHED]


def test_download_is_checked_against_the_pin(tmp_path, pretrained, monkeypatch):
    """Download through a file:// mirror laid out like the upstream repository."""
    for item in PUBLISHED:
        target = tmp_path / "mirror" / item.commit / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(pretrained / item.filename, target)
    monkeypatch.setenv("MIREX_PRETRAINED_URL", f"file://{tmp_path}/mirror/{{commit}}/{{path}}")
    fetch_models(root=tmp_path / "models")
    assert load_bundle(str(tmp_path / "models" / "msd-siamese-1000")).manifest["n_artists"] == 1000
    swapped = tmp_path / "mirror" / PUBLISHED[0].commit / PUBLISHED[0].path
    shutil.copy(pretrained / PUBLISHED[1].filename, swapped)
    with pytest.raises(BundleError, match="does not match the pinned"):
        fetch_models(root=tmp_path / "models2")
