"""The game-music set's artist and game tags, and their concept table."""
import pytest

from mirex.datasets import games_tags
from mirex.errors import DataError
from mirex.listfile import read_list
from mirex.nets.concepts import read_concept_table

HEADER = "path\tartist\tlabel\ttrack\tpackage\tlicence\tsource\tstart_s\n"


def write_table(path, rows):
    path.write_text(HEADER + "".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_each_clip_gets_its_artist_and_game_grouped_by_track(tmp_path):
    table = write_table(tmp_path / "games-clips.tsv", [
        ("/a/x_c0.wav", "Ann", "ann", "pkg-a/x", "pkg-a", "GPL-3", "x.ogg", "1.0"),
        ("/a/x_c1.wav", "Ann", "ann", "pkg-a/x", "pkg-a", "GPL-3", "x.ogg", "9.0"),
        ("/b/y_c0.wav", "Bo", "bo", "pkg-b/y", "pkg-b", "GPL-3", "y.ogg", "2.0"),
        ("/b/z_c0.wav", "Ann", "ann", "pkg-b/z", "pkg-b", "GPL-3", "z.ogg", "2.0")])
    out = games_tags.main(["--table", str(table)])
    assert out == 0
    pairs = [(e.path, e.label, e.group) for e in read_list(tmp_path / "tags.txt", kind="train")]
    assert pairs == [("/a/x_c0.wav", "artist:ann", "pkg-a/x"), ("/a/x_c0.wav", "game:pkg-a", "pkg-a/x"),
                     ("/a/x_c1.wav", "artist:ann", "pkg-a/x"), ("/a/x_c1.wav", "game:pkg-a", "pkg-a/x"),
                     ("/b/y_c0.wav", "artist:bo", "pkg-b/y"), ("/b/y_c0.wav", "game:pkg-b", "pkg-b/y"),
                     ("/b/z_c0.wav", "artist:ann", "pkg-b/z"), ("/b/z_c0.wav", "game:pkg-b", "pkg-b/z")]
    concepts = read_concept_table(tmp_path / "concepts.txt")
    assert concepts == {"artist": ("artist:ann", "artist:bo"), "game": ("game:pkg-a", "game:pkg-b")}


@pytest.mark.parametrize("header, row, message", [
    ("path\tlabel\ttrack\n", "/a.wav\tann\tpkg/x\n", "no column 'package'"),
    (HEADER, "/a.wav\tAnn\tann\tpkg/x\t\tGPL\tx.ogg\t1.0\n", "games-clips.tsv:2: empty 'package'"),
    (HEADER, "/a.wav\tAnn\tann\n", "games-clips.tsv:2: empty 'track', 'package'"),
])
def test_a_bad_table_is_one_error_naming_the_file_and_line(tmp_path, header, row, message):
    table = tmp_path / "games-clips.tsv"
    table.write_text(header + row, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        games_tags.build_tags(table=table)
    assert not (tmp_path / "tags.txt").exists() and not (tmp_path / "concepts.txt").exists()


def test_the_command_reports_a_missing_table_in_one_line(tmp_path, capsys):
    assert games_tags.main(["--table", str(tmp_path / "none.tsv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "none.tsv: cannot read the side table" in err[0]
