"""Inputs that are not what they seem: pipes and devices as audio, list files of every line ending,
every format libsndfile writes."""
import os
import threading

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SR, synth, write_clip

from mirex.audio import load
from mirex.cache import FeatureCache, content_key
from mirex.cli import main
from mirex.errors import AudioError
from mirex.extract import extract
from mirex.features import feature_pipeline
from mirex.files import NotRegularFile
from mirex.listfile import read_list, write_list


def finishes(call, *, seconds=30):
    """``call()``'s result or exception, failing the test if it does not return in time."""
    box = {}

    def run():
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: B036 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "hangs"
    return box


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "a pipe.wav"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["pipe", "device", "link to a pipe", "folder"])
def test_non_regular_files_are_refused_before_any_read(kind, fifo, tmp_path):
    target = {"pipe": fifo, "device": "/dev/zero", "folder": tmp_path}.get(kind)
    if kind == "link to a pipe":
        target = tmp_path / "link.wav"
        target.symlink_to(fifo)
    for call in (lambda: content_key(target), lambda: load(target)):
        error = finishes(call).get("error")
        assert isinstance(error, (NotRegularFile, AudioError)), error
        assert "not a regular file" in str(error) or "is a folder" in str(error)
    result = finishes(lambda: extract([str(target)], extractor=feature_pipeline("mfcc"), cache=FeatureCache(tmp_path / "c"),
                                      n_jobs=1))["value"]
    assert list(result.errors) == [0] and str(target) in result.errors[0]


def test_test_list_with_pipe_and_device_gets_every_line(mfcc_scratch, fifo, tmp_path, capsys):
    good = write_clip(tmp_path / "good.wav", synth("bass", seconds=1, seed=9))
    test_list = tmp_path / "test.txt"
    test_list.write_text(f"{good}\n{fifo}\n/dev/zero\n")
    output = tmp_path / "out.txt"
    status = finishes(lambda: main(["test", str(mfcc_scratch), str(test_list), str(output), "--quiet"]))["value"]
    err = capsys.readouterr().err
    assert status == 0, err
    assert [line.split("\t")[0] for line in output.read_text().splitlines()] == [str(good), str(fifo), "/dev/zero"]
    assert f"mirex: warning: {fifo}: is a named pipe, not a regular file" in err
    assert "mirex: warning: /dev/zero: is a character device, not a regular file" in err


def test_every_line_ending_and_a_bom_on_any_line(tmp_path):
    text = "\ufeffa.wav\tx\r\nb.wav\ty\rc.wav\tz\n\ufeffd.wav\tw\r\r\n  \ufeff e.wav \t\ufeff v\n"
    listed = tmp_path / "list.txt"
    listed.write_bytes(text.encode())
    entries = read_list(listed, kind="train")
    assert [(e.path, e.label, e.line) for e in entries] == [
        ("a.wav", "x", 1), ("b.wav", "y", 2), ("c.wav", "z", 3), ("d.wav", "w", 4), ("e.wav", "v", 6)]
    listed.write_bytes(b"a.wav\rb\xe9.wav\r")
    with pytest.raises(Exception, match=r"list\.txt:2: not valid UTF-8"):
        read_list(listed, kind="test")


_AWKWARD = st.text(alphabet=st.sampled_from(list("ab \t\r\n\ufeff\xa0\x85\u2028\x0b\x1c") + ["é"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(text=_AWKWARD)
def test_whatever_reads_can_be_written_back(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("lists")
    listed = folder / "list.txt"
    listed.write_bytes(text.encode())
    try:
        entries = read_list(listed, kind="any", warn=lambda message: None)
    except Exception:  # no entries
        return
    write_list(folder / "out.txt", [(e.path, e.label or "x") for e in entries])
    assert [line.split("\t")[0] for line in (folder / "out.txt").read_text().split("\n")[:-1]] == \
        [e.path for e in entries]


def test_a_folder_never_splits_a_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my").mkdir()
    (tmp_path / "song.wav").write_bytes(b"x")
    listed = tmp_path / "list.txt"
    listed.write_text("my folder\nsong.wav  label\n")
    assert [(e.path, e.label) for e in read_list(listed, kind="any")] == [("my folder", None), ("song.wav", "label")]


def test_output_problems_stop_the_run_before_any_feature(mfcc_scratch, tmp_path, capsys):
    good = write_clip(tmp_path / "good.wav", synth("bass", seconds=1, seed=9))
    test_list = tmp_path / "test.txt"
    test_list.write_bytes(f"{good}\n\ufeff{good}\r\ufeff  {tmp_path / 'missing.wav'}\n".encode())
    cache = tmp_path / "cache"
    output = tmp_path / "out.txt"
    assert main(["test", str(mfcc_scratch), str(test_list), str(output), "--cache", str(cache), "--quiet"]) == 0
    assert [line.split("\t")[0] for line in output.read_text().splitlines()] == [str(good), str(tmp_path / "missing.wav")]
    for name in ("x" * 250 + ".txt", "y" * 300):  # a long name that works, and one that cannot
        status = main(["test", str(mfcc_scratch), str(test_list), str(tmp_path / "o" / name), "--cache", str(cache / name[0]),
                       "--quiet"])
        err = capsys.readouterr().err
        if len(name) < 255:
            assert status == 0 and (tmp_path / "o" / name).is_file(), err
        else:
            assert status == 2 and err.startswith("mirex: error:") and "File name too long" in err, err
            assert not (cache / name[0]).exists()  # nothing computed


def formats():
    """Every (format, subtype) libsndfile writes and reads back without extra parameters."""
    skip = {"RAW"}  # headerless: needs the rate and layout from outside
    for fmt in sorted(sf.available_formats()):
        for subtype in sorted(sf.available_subtypes(fmt)):
            if fmt not in skip and sf.check_format(fmt, subtype):
                yield fmt, subtype


def test_every_writable_format_decodes(tmp_path):
    y = synth("treble", seconds=0.5, seed=3)
    tried, failed = 0, []
    for fmt, subtype in formats():
        path = tmp_path / f"clip {fmt} {subtype}"
        try:
            sf.write(path, y, SR, format=fmt, subtype=subtype)
            info = sf.info(path)
            with sf.SoundFile(path) as fh:  # some combinations libsndfile writes but cannot read itself
                fh.read(16)
        except Exception:
            continue
        tried += 1
        try:
            decoded = load(path, sr=SR)
        except AudioError as exc:
            failed.append(f"{fmt}/{subtype}: {exc}")
            continue
        expected = info.frames * SR / info.samplerate  # some formats have one fixed rate
        assert abs(len(decoded) - expected) <= 2 + expected / 1000 and np.abs(decoded).max() > 0.05, (fmt, subtype)
    assert not failed and tried > 80, (tried, failed)
    gsm = tmp_path / "gsm.wav"
    sf.write(gsm, y, 8000, subtype="GSM610")
    assert np.abs(load(gsm, sr=8000)).max() > 0.1


@pytest.mark.parametrize("special", ["/dev/zero", "folder"])
def test_a_list_file_that_is_not_a_regular_file_is_refused_at_once(tmp_path, special):
    from mirex.errors import ListFileError
    from mirex.listfile import read_list

    path = tmp_path if special == "folder" else special
    with pytest.raises(ListFileError, match="cannot read list file"):
        read_list(path, kind="test")


def test_a_list_from_a_pipe_or_standard_input_is_read_once(tmp_path, monkeypatch):
    import io

    from mirex.listfile import list_bytes

    text = b"b.wav\tx\na.wav\ty\n"
    pipe = tmp_path / "list pipe"
    os.mkfifo(pipe)

    def writer():
        with open(pipe, "wb") as fh:
            fh.write(text)

    threading.Thread(target=writer, daemon=True).start()
    first = finishes(lambda: read_list(pipe, kind="train"))["value"]
    assert [(e.path, e.label) for e in first] == [("b.wav", "x"), ("a.wav", "y")]
    assert finishes(lambda: list_bytes(pipe))["value"] == text  # the writer has gone: the bytes were kept
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text)))
    assert [e.path for e in read_list("-", kind="test")] == ["b.wav", "a.wav"] and list_bytes("-") == text


def test_scripts_take_their_lists_from_pipes_and_standard_input(mfcc_scratch, tmp_path):
    import shlex
    import subprocess

    from conftest import ROOT

    clips = [write_clip(tmp_path / f"{name}.wav", synth(name, seconds=1, seed=3)) for name in ("noise", "bass")]
    listed = tmp_path / "list.txt"
    listed.write_text("".join(f"{p}\n" for p in clips))
    scratch, train = shlex.quote(str(tmp_path / "scratch")), shlex.quote(str(ROOT / "run_train.sh"))
    test, listed_q = shlex.quote(str(ROOT / "run_test.sh")), shlex.quote(str(listed))
    script = (f"{test} {shlex.quote(str(mfcc_scratch))} <(sort {listed_q}) out1.txt --quiet && "
              f"sed 's/$/\tlabel/' {listed_q} | sed '1s/label/other/' | {train} {scratch} - --features mfcc "
              f"--task-lda off --quiet && sort -r {listed_q} | {test} {scratch} - out2.txt --quiet")
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and not result.stderr, result.stderr
    assert [line.split("\t")[0] for line in (tmp_path / "out1.txt").read_text().splitlines()] == sorted(map(str, clips))
    assert [line.split("\t")[0] for line in (tmp_path / "out2.txt").read_text().splitlines()] == \
        sorted(map(str, clips), reverse=True)
