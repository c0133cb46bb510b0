"""Warnings and progress never cost a result: stderr closed, or a pipe whose reader has gone."""
import io
import os
import subprocess

import numpy as np
import pytest

from conftest import ROOT, synth, write_clip

from mirex.cli import main
from mirex.log import progress_bar


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    """A test list with decodable files (one an MP3), a missing one and random bytes: warnings to write."""
    work = tmp_path_factory.mktemp("stderr")
    good = write_clip(work / "good.wav", synth("bass", seconds=1, seed=1))
    mp3 = write_clip(work / "song.mp3", synth("noise", seconds=1, seed=2), subtype="MPEG_LAYER_III")
    junk = work / "junk.wav"
    junk.write_bytes(np.random.default_rng(0).bytes(5000))
    paths = [str(good), str(work / "missing.wav"), str(mp3), str(junk)]
    test_list = work / "test.txt"
    test_list.write_text("".join(f"{p}\n" for p in paths) + "no\tsuch\n")
    return work, test_list, paths


def run_test(scratch, test_list, output, *, stderr):
    """run_test.sh with progress bars forced on, stderr set up by ``stderr``: 'closed' or 'broken pipe'."""
    env = {**os.environ, "MIREX_PROGRESS": "1"}
    argv = [str(ROOT / "run_test.sh"), str(scratch), str(test_list), str(output), "-numThreads", "2"]
    if stderr == "closed":
        return subprocess.run(["sh", "-c", '"$@" 2>&-', "sh", *argv], stdout=subprocess.DEVNULL, env=env,
                              timeout=300).returncode
    read, write = os.pipe()
    os.close(read)  # the reader has exited: every write gets EPIPE
    try:
        return subprocess.run(argv, stdout=write, stderr=write, env=env, timeout=300).returncode
    finally:
        os.close(write)


@pytest.mark.parametrize("stderr", ["closed", "broken pipe"])
def test_no_stderr_costs_nothing(mfcc_scratch, awkward, tmp_path, stderr):
    work, test_list, paths = awkward
    output = tmp_path / "out.txt"
    assert run_test(mfcc_scratch, test_list, output, stderr=stderr) == 0
    rows = [line.split("\t") for line in output.read_text().splitlines()]
    assert [r[0] for r in rows] == paths + ["no"]
    assert {r[1] for r in rows} <= {"bass", "noise"}


class Broken(io.TextIOBase):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")


def test_the_final_error_line_cannot_raise(monkeypatch, tmp_path):
    for stream in (Broken(), None):
        monkeypatch.setattr("sys.stderr", stream)
        assert main(["test", str(tmp_path / "s"), str(tmp_path / "missing list.txt"), str(tmp_path / "o.txt")]) == 2


def test_progress_only_on_a_terminal_or_when_asked(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for stream, forced, shown in ((io.StringIO(), None, False), (Terminal(), None, True), (io.StringIO(), "1", True),
                                  (Terminal(), "0", False), (Terminal(), "1", True)):
        monkeypatch.setattr("sys.stderr", stream)
        if forced is None:
            monkeypatch.delenv("MIREX_PROGRESS", raising=False)
        else:
            monkeypatch.setenv("MIREX_PROGRESS", forced)
        with progress_bar(total=3, desc="clips") as bar:
            bar.update(3)
        assert ("clips" in stream.getvalue()) == shown, (type(stream).__name__, forced)
        with progress_bar(enabled=False, total=3, desc="clips") as bar:
            bar.update(3)
