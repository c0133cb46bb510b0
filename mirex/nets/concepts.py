"""Concepts: groups of tags, each given its own sub-space of an embedding (conditional similarity networks).

A concept table has one ``tag<TAB>concept`` per line (blank lines and lines
starting with ``#`` are skipped), e.g.::

    baroque     era
    romantic    era
    fugue       form
    sonata      form

A :class:`ConceptSpace` cuts an embedding of ``dim`` values into one
contiguous, disjoint sub-space per concept (in table order, as equal as the
division allows); its mask for a concept is 1 on that sub-space and 0
elsewhere. A concept's labels or triplets are scored on its sub-space only,
so they train nothing else; the whole embedding is the global similarity.
With ``tracks``, one more sub-space, :data:`TRACK`, holds the most specific
similarity: segments of the same track are its positives.
"""
from dataclasses import dataclass

import numpy as np

from mirex.errors import DataError, ListFileError

__all__ = ["TRACK", "ConceptSpace", "concept_index", "read_concept_table"]

#: Name of the track-based sub-space (not usable as a concept in a table).
TRACK = "track"


def read_concept_table(path):
    """Read a concept table: ``tag<TAB>concept`` per line.

    Returns
    -------
    dict of str to tuple of str
        Concept -> its tags, concepts in order of first appearance, tags in file order.

    Raises
    ------
    ListFileError
        If the file cannot be read, is not UTF-8, a line has not exactly two
        tab-separated fields, a tag is listed twice, a concept is called
        :data:`TRACK`, a concept has a single tag, or there is no line.
    """
    try:
        text = open(path, encoding="utf-8-sig").read()
    except OSError as exc:
        raise ListFileError(f"{path}: cannot read concept table ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ListFileError(f"{path}: concept table is not valid UTF-8") from None
    concepts, seen = {}, {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != 2 or not all(fields):
            raise ListFileError(f"{path}:{number}: expected 'tag<TAB>concept', got {line.strip()!r}")
        tag, concept = fields
        if concept == TRACK:
            raise ListFileError(f"{path}:{number}: the concept name {TRACK!r} is reserved for track similarity")
        if tag in seen:
            raise ListFileError(f"{path}:{number}: tag {tag!r} already belongs to a concept (line {seen[tag]})")
        seen[tag] = number
        concepts.setdefault(concept, []).append(tag)
    if not concepts:
        raise ListFileError(f"{path}: concept table has no 'tag<TAB>concept' line")
    for concept, tags in concepts.items():
        if len(tags) < 2:
            raise ListFileError(f"{path}: concept {concept!r} has one tag; a concept needs two or more")
    return {concept: tuple(tags) for concept, tags in concepts.items()}


def concept_index(concepts, concept):
    """The position of ``concept`` in ``concepts`` (a space's or a head's concept names).

    Raises
    ------
    DataError
        If it is not there.
    """
    if concept not in concepts:
        raise DataError(f"no concept {concept!r}; this embedding has {', '.join(concepts)}")
    return concepts.index(concept)


@dataclass(frozen=True)
class ConceptSpace:
    """The sub-spaces of an embedding, one per concept.

    Attributes
    ----------
    concepts : tuple of str
        Names, in sub-space order (:data:`TRACK` last when present).
    tags : tuple of tuple of str
        Each concept's tags (empty for :data:`TRACK`).
    dim : int
        Length of the whole embedding.
    """

    concepts: tuple
    tags: tuple
    dim: int

    def __post_init__(self):
        if len(self.concepts) != len(self.tags) or not self.concepts:
            raise ValueError("one tag tuple per concept, and at least one concept")
        if self.dim < len(self.concepts):
            raise DataError(f"an embedding of {self.dim} values cannot hold {len(self.concepts)} sub-spaces")

    @classmethod
    def from_table(cls, table, *, dim, tracks=False):
        """A space from :func:`read_concept_table`'s dict; ``tracks`` adds the :data:`TRACK` sub-space."""
        concepts, tags = tuple(table) + ((TRACK,) if tracks else ()), tuple(table.values()) + (((),) if tracks else ())
        return cls(concepts=concepts, tags=tags, dim=dim)

    @classmethod
    def single(cls, name, *, dim, tags=()):
        """One sub-space, the whole embedding (a model without concepts)."""
        return cls(concepts=(name,), tags=(tuple(tags),), dim=dim)

    @property
    def edges(self):
        """Sub-space boundaries: concept ``k`` holds values ``edges[k]:edges[k + 1]``."""
        return np.linspace(0, self.dim, len(self.concepts) + 1).round().astype(int)

    def slice(self, concept):
        """The values of ``concept``'s sub-space, as a slice.

        Raises
        ------
        DataError
            If the space has no such concept.
        """
        k = concept_index(self.concepts, concept)
        return slice(int(self.edges[k]), int(self.edges[k + 1]))

    def masks(self):
        """0/1 masks, float32, shape (concepts, dim): row ``k`` selects concept ``k``'s sub-space."""
        masks = np.zeros((len(self.concepts), self.dim), dtype=np.float32)
        for row, concept in enumerate(self.concepts):
            masks[row, self.slice(concept)] = 1
        return masks

    def columns(self, classes):
        """Each concept's tags as indices into ``classes`` (a task's tag names); None for :data:`TRACK`.

        Raises
        ------
        DataError
            If a concept has fewer than two of its tags among ``classes``.
        """
        index = {name: i for i, name in enumerate(classes)}
        columns = []
        for concept, tags in zip(self.concepts, self.tags):
            if concept == TRACK:
                columns.append(None)
                continue
            found = [index[t] for t in tags if t in index]
            if len(found) < 2:
                raise DataError(f"concept {concept!r}: fewer than two of its tags occur in the list")
            columns.append(np.array(found, dtype=np.int64))
        return columns
