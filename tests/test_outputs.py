"""Outputs that collide: with each other, the list, or a listed audio file, by any name.

Each is refused with one line before any work, and nothing is overwritten.
"""
import os
import subprocess

import pytest

from conftest import ROOT, synth, write_clip
from test_protocol import run, write_lines
from test_unusable_lists import cli, tag_scratch, trained_tag_scratch  # noqa: F401 - the fixtures

from mirex.cli import main


@pytest.fixture
def listed(tmp_path):
    """Two clips, a list naming them (one relative to tmp_path), and a link and a hard link to the second."""
    clips = [write_clip(tmp_path / f"{kind}.wav", synth(kind, seconds=1, seed=4)) for kind in ("bass", "noise")]
    test_list = write_lines(tmp_path / "list.txt", [str(clips[0]), "noise.wav"])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link.wav").symlink_to(clips[1])
    os.link(clips[1], tmp_path / "hard.wav")
    return tmp_path, test_list, clips


def snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_tag_outputs_that_are_one_file_are_refused_by_the_scripts(tag_scratch, listed):  # noqa: F811
    folder, test_list, _ = listed
    (folder / "out.txt").write_text("kept\n")
    before = snapshot(folder)
    result = run("run_test.sh", tag_scratch, test_list, "out.txt", "./out.txt", cwd=folder)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == "mirex: error: ./out.txt: output is the same file as output out.txt\n"
    assert snapshot(folder) == before


def test_outputs_that_are_the_list_or_a_listed_file_are_refused(tag_scratch, mfcc_scratch, listed, capsys,  # noqa: F811
                                                                monkeypatch):
    folder, test_list, clips = listed
    monkeypatch.chdir(folder)
    before = snapshot(folder)
    cases = {
        folder / "new.txt": "output new.txt",  # two outputs, neither exists yet
        folder / "sub" / ".." / "list.txt": f"the list file {test_list}",
        folder / "sub" / "link.wav": f"noise.wav, listed on line 2 of {test_list}",
        folder / "hard.wav": f"noise.wav, listed on line 2 of {test_list}",
        clips[0]: f"{clips[0]}, listed on line 1 of {test_list}",
    }
    for output, clash in cases.items():
        first = "new.txt" if output.name == "new.txt" else folder / "fine.txt"
        argvs = [["test", tag_scratch, test_list, first, output],
                 ["similarity", test_list, output, "--features", "mfcc"],
                 ["embed", test_list, "--out", output, "--features", "mfcc"]]
        if output.name != "new.txt":
            argvs.append(["test", mfcc_scratch, test_list, output])
        for argv in argvs[:1] if output.name == "new.txt" else argvs:
            status, err = cli(capsys, *argv, "--cache", folder / "cache")
            assert status == 2 and err == [f"mirex: error: {output}: output is the same file as {clash}"], (argv, err)
    assert snapshot(folder) == before and not (folder / "cache").exists()


def test_a_list_on_standard_input_is_not_an_output(mfcc_scratch, listed):
    folder, test_list, _ = listed
    with open(test_list, "rb") as stdin:
        result = subprocess.run([str(ROOT / "run_test.sh"), str(mfcc_scratch), "-", str(test_list)], stdin=stdin,
                                capture_output=True, text=True, cwd=folder, timeout=300)
    assert result.returncode == 2
    assert result.stderr == f"mirex: error: {test_list}: output is the same file as the list file -\n"
    assert main(["test", str(mfcc_scratch), str(test_list), str(folder / "ok.txt"), "--quiet"]) == 0
