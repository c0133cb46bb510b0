"""Installs repeat: every package version is pinned in constraints.txt and make install uses it;
the package metadata builds without deprecation warnings."""
import shutil
import subprocess
import tomllib
import warnings

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT


def pins():
    found = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and " @ " not in line, f"not a version pin: {line!r}"
            found[canonicalize_name(name)] = version.strip()
    return found


def test_constraints_pin_every_requirement_but_torch():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = [Requirement(r) for r in project["project"]["dependencies"]]
    requirements += [Requirement(r) for extra in project["project"]["optional-dependencies"].values() for r in extra]
    requirements += [Requirement(r) for r in project["build-system"]["requires"]]
    pinned = pins()
    assert "torch" not in pinned and "mirex" not in pinned and "pip" in pinned
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name != "torch":
            assert name in pinned, f"{name} is not pinned"
            assert requirement.specifier.contains(pinned[name], prereleases=True), (name, pinned[name])


@pytest.mark.skipif(not shutil.which("make"), reason="needs make")
def test_make_install_uses_the_constraints():
    recipe = subprocess.run(["make", "-n", "-B", "install"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    installs = [line for line in recipe.splitlines() if "pip install" in line]
    assert len(installs) == 3 and all(f'PIP_CONSTRAINT="{ROOT / "constraints.txt"}"' in line for line in installs)
    lock = subprocess.run(["make", "-n", "lock"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "pip freeze --all --exclude-editable" in lock and "constraints.txt" in lock


def test_metadata_applies_without_deprecation_warnings(monkeypatch):
    monkeypatch.chdir(ROOT)
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dist = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert dist.metadata.license_expression == "MIT" and (ROOT / "LICENSE").is_file()
