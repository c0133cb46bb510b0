"""Where models and caches live: platform user folders, overridden by environment variables, never the package."""
from pathlib import Path

import mirex
from mirex.folders import (feature_cache_dir, models_dirs, shipped_models_dir, user_models_dir,
                           writable_models_dir)


def test_without_variables_the_user_folders_then_the_shipped_bundles(tmp_path, monkeypatch):
    monkeypatch.delenv("MIREX_MODELS_DIR")
    monkeypatch.delenv("MIREX_FEATURE_CACHE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert models_dirs() == [tmp_path / "data" / "mirex" / "models", shipped_models_dir()]
    assert writable_models_dir() == user_models_dir() == tmp_path / "data" / "mirex" / "models"
    assert feature_cache_dir() == tmp_path / "cache" / "mirex" / "features"


def test_variables_override_and_come_first(tmp_path, monkeypatch):
    monkeypatch.setenv("MIREX_MODELS_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("MIREX_FEATURE_CACHE", str(tmp_path / "f"))
    assert models_dirs()[0] == writable_models_dir() == tmp_path / "m" and models_dirs()[-1] == shipped_models_dir()
    assert feature_cache_dir() == tmp_path / "f"


def test_the_shipped_bundles_are_inside_the_package_and_no_user_folder_is():
    package = Path(mirex.__file__).resolve().parent
    assert shipped_models_dir() == package / "bundles"
    assert {p.name for p in shipped_models_dir().iterdir() if p.is_dir()} == {
        "msd-siamese-1000", "msd-siamese-5000", "msd-siamese-10000"}
    for folder in (user_models_dir(), feature_cache_dir(), writable_models_dir()):
        assert not folder.resolve().is_relative_to(package)
