"""The MIREX scripts run the project's Python from anywhere: through links, under sh (dash) or bash,
whatever PYTHONPATH, user site-packages or working folder the caller has."""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT

#: sh, dash and bash, each interpreter once (sh is often dash).
SHELLS = list({os.path.realpath(shutil.which(name)): name for name in ("bash", "dash", "sh") if shutil.which(name)}.values())
#: Each script once, and each shell once (None: executed, so by its #! line).
CASES = [(name, shell) for name, shell in zip(["run_test.sh", "run_train.sh"] * 3, [None, *SHELLS])]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A working folder and a PYTHONPATH folder, each with a ``numpy`` that fails on import, and links to the scripts."""
    work = tmp_path_factory.mktemp("caller")
    for folder in (work / "site", work):
        (folder / "numpy").mkdir(parents=True, exist_ok=True)
        (folder / "numpy" / "__init__.py").write_text("raise ImportError('the caller numpy was imported')\n")
    links = work / "links"
    links.mkdir()
    for name in ("run_train.sh", "run_test.sh"):
        (links / f"{name}.real").symlink_to(ROOT / name)  # absolute link
        (links / name).symlink_to(f"{name}.real")  # relative link to a link
    env = {**os.environ, "PYTHONPATH": str(work / "site"), "PYTHONUSERBASE": str(work / "user"), "CDPATH": "/"}
    return work, links, env


@pytest.mark.parametrize("name, shell", CASES)
def test_scripts_run_through_links_under_any_shell_with_a_hostile_environment(hostile, shell, name):
    work, links, env = hostile
    args = [work / "no scratch", work / "no list.txt"] + ([work / "out.txt"] if name == "run_test.sh" else [])
    argv = ([shell] if shell else []) + [str(links / name), *map(str, args)]
    result = subprocess.run(argv, capture_output=True, text=True, cwd=work, env=env, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "caller numpy" not in result.stderr, result.stderr
    assert result.stderr.startswith("mirex: error: ") and "no list.txt" in result.stderr, result.stderr


def test_scripts_are_posix_sh():
    for name in ("run_train.sh", "run_test.sh"):
        text = (ROOT / name).read_text()
        assert text.startswith("#!/bin/sh\n") and "BASH_SOURCE" not in text
        if shutil.which("dash"):
            subprocess.run(["dash", "-n", str(ROOT / name)], check=True)
