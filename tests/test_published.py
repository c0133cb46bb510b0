import dataclasses
import logging
import shutil

import pytest

from mirex import published
from mirex.bundle import load_bundle, sha256
from mirex.errors import BundleError
from mirex.published import fetch_models


@pytest.fixture
def pins(published_files, monkeypatch):
    """Pin the Keras 2 files made from the shipped bundles, as the real pins pin the authors' files."""
    items = tuple(dataclasses.replace(item, sha256=sha256(published_files / item.filename))
                  for item in published.PUBLISHED)
    monkeypatch.setattr(published, "PUBLISHED", items)
    return items


def test_fetch_from_local_copies_verifies_against_the_shipped_bundles_then_skips(tmp_path, published_files, pins,
                                                                                  caplog):
    caplog.set_level(logging.INFO, logger="mirex")
    fetch_models(source_dir=published_files, root=tmp_path)
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} == {p.name for p in pins}
    assert load_bundle(str(tmp_path / "msd-siamese-5000")).manifest["n_artists"] == 5000
    assert [m for m in caplog.messages if "shipped" in m] == [
        f"{p.name}: identical to the bundle shipped with the package" for p in pins]
    caplog.clear()
    fetch_models(source_dir=published_files, root=tmp_path)
    assert [m for m in caplog.messages if "already" in m] == [f"{p.name}: already imported" for p in pins]


def test_an_import_that_differs_from_the_shipped_bundle_is_reported(tmp_path, published_files, pins, monkeypatch,
                                                                    caplog):
    swapped = tmp_path / "source"
    swapped.mkdir()
    for item, other in zip(pins, pins[1:] + pins[:1]):
        shutil.copy(published_files / other.filename, swapped / item.filename)
    monkeypatch.setattr(published, "PUBLISHED",
                        tuple(dataclasses.replace(item, sha256=sha256(swapped / item.filename)) for item in pins))
    fetch_models(source_dir=swapped, root=tmp_path / "models")
    assert sum("differ from those of the bundle shipped" in m for m in caplog.messages) == 3


def test_download_is_checked_against_the_pin(tmp_path, published_files, pins, monkeypatch):
    """Download through a file:// mirror laid out like the upstream repository."""
    for item in pins:
        target = tmp_path / "mirror" / item.commit / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(published_files / item.filename, target)
    monkeypatch.setenv("MIREX_PRETRAINED_URL", f"file://{tmp_path}/mirror/{{commit}}/{{path}}")
    fetch_models(root=tmp_path / "models")
    assert load_bundle(str(tmp_path / "models" / "msd-siamese-1000")).manifest["n_artists"] == 1000
    swapped = tmp_path / "mirror" / pins[0].commit / pins[0].path
    shutil.copy(published_files / pins[1].filename, swapped)
    with pytest.raises(BundleError, match="does not match the pinned"):
        fetch_models(root=tmp_path / "models2")
