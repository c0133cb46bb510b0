import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_latin1_list_is_an_error_or_kept_byte_for_byte(tmp_path):
    lst = write_bytes(tmp_path / "latin.txt", b"ok.wav\tRock\ncaf\xe9.wav\tPop\n")
    with pytest.raises(ListFileError, match=r"latin\.txt:2: not valid UTF-8"):
        read_list(lst, kind="train")
    warnings = []
    entries = read_list(lst, kind="train", warn=warnings.append)
    assert warnings == [f"{lst}:2: not valid UTF-8; bytes kept as they are "
                        "(paths are opened and written back byte for byte)"]
    assert os.fsencode(entries[1].path) == b"caf\xe9.wav"
    write_list(tmp_path / "out.txt", [(e.path, e.label) for e in entries])
    assert (tmp_path / "out.txt").read_bytes() == b"ok.wav\tRock\ncaf\xe9.wav\tPop\n"


def test_lenient_reading_skips_malformed_lines_with_their_number(tmp_path):
    lst = write_bytes(tmp_path / "train.txt", b"a.wav\tx\r\nno label.wav\n\n c.wav \t y \n")
    warnings = []
    entries = read_list(lst, kind="train", warn=warnings.append)
    assert [(e.path, e.label, e.line) for e in entries] == [("a.wav", "x", 1), ("c.wav", "y", 4)]
    assert warnings == [f"{lst}:2: expected 'path<TAB>label', got 'no label.wav'; line skipped"]
    with pytest.raises(ListFileError, match="no entries"):
        read_list(write_bytes(tmp_path / "bad.txt", b"a.wav\nb.wav\n"), kind="train", warn=warnings.append)


def test_only_line_feeds_end_lines(tmp_path):
    lst = write_bytes(tmp_path / "t.txt", "a\u2028b\x85c\x0bd.wav\tL\x1cM\r\n".encode())
    (entry,) = read_list(lst, kind="train")
    assert (entry.path, entry.label) == ("a\u2028b\x85c\x0bd.wav", "L\x1cM")


def test_space_separator_only_before_an_existing_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a b.wav").write_bytes(b"")
    lst = write_bytes(tmp_path / "t.txt", b"a b.wav  Rock  Some Artist\nmissing file.wav Rock\n")
    warnings = []
    (entry,) = read_list(lst, kind="train", warn=warnings.append)
    assert (entry.path, entry.label, entry.group) == ("a b.wav", "Rock", "Some")
    assert warnings and warnings[0].startswith(f"{lst}:2: expected")


@pytest.mark.parametrize("field, problem", [("", "is empty"), (" a.wav", "leading or trailing blanks"),
                                            ("a.wav\u3000", "leading or trailing blanks"),
                                            ("a\nb", "tab or line break"), ("a\rb", "tab or line break"),
                                            ("a\0b", "NUL character"),
                                            ("\ufeffa", "byte-order mark"), ("a\ud800b", "cannot be encoded")])
def test_writer_refuses_what_cannot_be_read_back(tmp_path, field, problem):
    with pytest.raises(ListFileError, match=f"out.txt:2: field .* {problem}"):
        write_list(tmp_path / "out.txt", [("ok.wav", "x"), ("ok.wav", field)])
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_a_list_file_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ListFileError, match="cannot write list file"):
        write_list(tmp_path / "file" / "out.txt", [("a.wav", "x")])


_odd = st.text(st.characters(blacklist_categories=("Cs",)) | st.sampled_from("#\t\r\n \u3000\ufeff\x85\u2028é曲"),
               max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_odd, _odd), min_size=1, max_size=6))
def test_write_read_round_trip_or_refusal(rows):
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "out.txt")
        try:
            write_list(out, rows)
        except ListFileError:
            assert os.listdir(folder) == []
            assert any(not f or f != f.strip() or re.search("[\t\r\n\0]", f) or f.startswith("\ufeff")
                       for row in rows for f in row)
            return
        assert [(e.path, e.label) for e in read_list(out, kind="train")] == rows


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_odd, _odd), min_size=1, max_size=6))
def test_cleaned_fields_always_round_trip(rows):
    clean = [tuple(re.sub("[\t\r\n\0]", "", f).strip().lstrip("\ufeff").strip() or "x" for f in row) for row in rows]
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "out.txt")
        write_list(out, clean)
        assert [(e.path, e.label) for e in read_list(out, kind="train")] == clean


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_lenient_reader_never_fails_on_content(raw):
    with tempfile.TemporaryDirectory() as folder:
        lst = os.path.join(folder, "t.txt")
        write_bytes(Path(lst), raw)
        for kind in ("train", "test"):
            try:
                entries = read_list(lst, kind=kind, warn=lambda message: None)
            except ListFileError as exc:
                binary = f"{lst}: not a list file (binary data: NUL bytes)"
                assert str(exc) == (binary if b"\0" in raw else f"{lst}: list file has no entries")
                continue
            assert [e.line for e in entries] == sorted(e.line for e in entries)
            assert all(e.path and e.path == e.path.strip() and "\n" not in e.path for e in entries)
            assert kind == "test" or all(e.label for e in entries)
