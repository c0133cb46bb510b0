"""A two-concept tag dataset from the game-music set: each clip's artist and game.

``python -m mirex.datasets.games_tags [--table data/games/games-clips.tsv]``
reads the game-music set's side table (columns ``path``, ``label`` (the
artist), ``track`` and ``package``) and writes ``tags.txt`` beside it: two
``path<TAB>tag<TAB>track`` lines per clip, ``artist:LABEL`` and
``game:PACKAGE``, the track as the group column so that evaluation folds keep
a track's clips on one side; and ``concepts.txt``, the concept table that
puts every ``artist:`` tag in the concept ``artist`` and every ``game:`` tag
in ``game``. ``mirex evaluate tags.txt --task metric --concepts
concepts.txt`` then compares embeddings on the two notions of similarity.
Almost every artist of the set comes from one game, so the two concepts
nearly coincide (``docs/games-dataset.md``).
"""
import csv
import sys
from pathlib import Path

from mirex.datasets.tag_command import tag_list_command
from mirex.errors import DataError
from mirex.listfile import write_list

__all__ = ["CONCEPTS", "build_tags", "main"]

#: The side table's column of each concept.
CONCEPTS = {"artist": "label", "game": "package"}


def build_tags(*, table, out=None):
    """Write the tag list and concept table of the game-music set.

    Parameters
    ----------
    table : str or Path
        ``games-clips.tsv``, the set's side table.
    out : str or Path, optional
        Default ``tags.txt`` beside ``table``; the concept table is written
        beside it as ``concepts.txt``.

    Returns
    -------
    out : Path

    Raises
    ------
    DataError
        If the table cannot be read, lacks a column, or has an empty value.
    """
    table = Path(table)
    out = Path(out) if out else table.with_name("tags.txt")
    try:
        with open(table, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            missing = [c for c in ("path", "track", *CONCEPTS.values()) if c not in (reader.fieldnames or ())]
            if missing:
                raise DataError(f"{table}: no column {', '.join(map(repr, missing))}")
            rows, concepts = [], {}
            for line, record in enumerate(reader, start=2):
                empty = [c for c in ("path", "track", *CONCEPTS.values()) if not record[c]]
                if empty:
                    raise DataError(f"{table}:{line}: empty {', '.join(map(repr, empty))}")
                for concept, column in CONCEPTS.items():
                    tag = f"{concept}:{record[column]}"
                    rows.append((record["path"], tag, record["track"]))
                    concepts[tag] = concept
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{table}: cannot read the side table ({exc})") from None
    write_list(out, rows)
    write_list(out.with_name("concepts.txt"), sorted(concepts.items(), key=lambda item: (item[1], item[0])))
    return out


def main(argv=None):
    """Command line; returns the exit status (2 on a user error)."""
    return tag_list_command(argv, module="games_tags",
                            description="Write tags.txt and concepts.txt for the game-music set.",
                            source="table", default="data/games/games-clips.tsv",
                            build=lambda source, out: build_tags(table=source, out=out))


if __name__ == "__main__":
    sys.exit(main())
