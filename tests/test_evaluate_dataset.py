"""Dataset lists and the keys clips are matched by."""
import logging

import pytest

from mirex.errors import DataError
from mirex.evaluate.dataset import clip_key, load_dataset


@pytest.mark.parametrize("path, key", [
    ("/data/Blues/Track01.WAV", "track01"),
    ("track01.wav", "track01"),
    ("C:\\music\\TRACK01.mp3", "track01"),
    ("/a/b/song.name.flac", "song.name"),
    ("/a/b/noext", "noext"),
])
def test_clip_key(path, key):
    assert clip_key(path) == key


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_load_dataset_drops_repeats_and_keeps_groups(tmp_path, caplog):
    listing = _write(tmp_path / "set.txt", ["/d/a.wav\trock\tart1", "/d/b.wav\tjazz", "/d/a.wav\trock\tart1"])
    with caplog.at_level(logging.WARNING):
        dataset = load_dataset(path=listing)
    assert dataset.paths == ["/d/a.wav", "/d/b.wav"]
    assert dataset.labels == ["rock", "jazz"] and dataset.groups == ["art1", None]
    assert dataset.name == "set" and "1 repeated line(s) ignored" in caplog.text


@pytest.mark.parametrize("lines, message", [
    (["/d/a.wav\trock", "/d/a.wav\tjazz"], r"set.txt:2: '/d/a.wav' is labelled 'jazz' here but 'rock' on line 1"),
    (["/d/a.wav\trock", "/e/A.mp3\tjazz"], r"set.txt:2: '/e/A.mp3' has the same base name as line 1"),
    (["/d/a.wav\trock", "/d/b.wav\tRock!"], r"set.txt: needs at least two labels"),
    (["/d/a.wav\trock", "/d/b.wav\t???"], r"set.txt:2: label '\?\?\?' has no letters or digits"),
])
def test_load_dataset_errors(tmp_path, lines, message):
    with pytest.raises(DataError, match=message):
        load_dataset(path=_write(tmp_path / "set.txt", lines))
