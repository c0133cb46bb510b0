"""Matching a classification output list to the test clips."""
import logging

import pytest

from mirex.errors import ListFileError
from mirex.evaluate.classtask import match_outputs


def test_match_outputs_by_base_name(tmp_path, caplog):
    output = tmp_path / "out.txt"
    output.write_text("/elsewhere/A.WAV\tjazz\n/x/c.wav\trock\n/x/c.wav\tpop\n/x/stray.wav\tblues\n")
    with caplog.at_level(logging.WARNING):
        answers = match_outputs(test_paths=["/data/a.wav", "/data/b.wav", "/data/C.wav"], output=output)
    assert answers == ["jazz", None, "rock"]
    text = caplog.text
    assert "1 of 3 test clips have no answer" in text
    assert "1 line(s) match no test clip (first: line 4)" in text


def test_missing_output_file_is_a_list_error(tmp_path):
    with pytest.raises(ListFileError, match="missing.txt"):
        match_outputs(test_paths=["/a.wav"], output=tmp_path / "missing.txt")
