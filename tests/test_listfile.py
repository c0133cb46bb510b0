import pytest

from mirex.errors import ListFileError
from mirex.listfile import read_list, unique_paths, write_list


def write_bytes(path, data):
    path.write_bytes(data)
    return path


def test_train_list_with_bom_crlf_blank_lines_and_groups(tmp_path):
    lst = write_bytes(tmp_path / "train.txt", "\ufeffa b.wav\tRock\r\n\r\n  \nc.wav\t\tJazz\tMiles  \r\n".encode())
    entries = read_list(lst, kind="train")
    assert [(e.path, e.label, e.group, e.line) for e in entries] == [
        ("a b.wav", "Rock", None, 1), ("c.wav", "Jazz", "Miles", 4)]


def test_missing_label_names_file_and_line(tmp_path):
    lst = write_bytes(tmp_path / "train.txt", b"a.wav\tx\nb.wav\n")
    with pytest.raises(ListFileError, match=r"train\.txt:2: expected"):
        read_list(lst, kind="train")


def test_test_list_keeps_path_with_spaces_whole(tmp_path):
    lst = write_bytes(tmp_path / "test.txt", "my song – é.wav\nother.wav\tlabel\n".encode())
    assert [e.path for e in read_list(lst, kind="test")] == ["my song – é.wav", "other.wav"]


def test_space_separator_when_unambiguous(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my song.wav").write_bytes(b"")
    lst = write_bytes(tmp_path / "train.txt", b"my song.wav   Rock\n")
    (entry,) = read_list(lst, kind="train")
    assert (entry.path, entry.label) == ("my song.wav", "Rock")
    assert entry.resolved == str(tmp_path / "my song.wav")


def test_not_utf8_and_empty_and_missing(tmp_path):
    with pytest.raises(ListFileError, match=r":2: not valid UTF-8"):
        read_list(write_bytes(tmp_path / "bad.txt", b"a.wav\n\xff\xfe.wav\n"))
    with pytest.raises(ListFileError, match="no entries"):
        read_list(write_bytes(tmp_path / "empty.txt", b"\n \n"))
    with pytest.raises(ListFileError, match="cannot read"):
        read_list(tmp_path / "absent.txt")


def test_unique_paths_in_first_seen_order(tmp_path):
    lst = write_bytes(tmp_path / "t.txt", b"b.wav\na.wav\nb.wav\n")
    assert unique_paths(read_list(lst, kind="test")) == ["b.wav", "a.wav"]


def test_write_then_read_round_trip(tmp_path):
    rows = [("dir one/ça.wav", "Rock"), ("x.wav", "Hip-Hop")]
    write_list(tmp_path / "out.txt", rows)
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "dir one/ça.wav\tRock\nx.wav\tHip-Hop\n"
    assert [(e.path, e.label) for e in read_list(tmp_path / "out.txt", kind="train")] == rows


def test_write_refuses_tabs_and_leaves_nothing(tmp_path):
    with pytest.raises(ListFileError, match="tab or line break"):
        write_list(tmp_path / "out.txt", [("a\tb.wav", "x")])
    assert list(tmp_path.iterdir()) == []
