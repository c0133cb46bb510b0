"""The lists of the tag task: a train list's tags by path, whether a list is a tag list, the AFFINITY and BINARY outputs."""
from mirex.listfile import write_list

__all__ = ["MULTILABEL_SHARE", "tag_sets", "is_multilabel", "write_outputs"]

MULTILABEL_SHARE = 0.25
"""Share of a train list's paths with several labels from which it is read as a tag list."""


def tag_sets(entries):
    """Group train-list entries by path: the distinct paths (first-seen order) and each one's tags.

    Parameters
    ----------
    entries : list of mirex.listfile.Entry
        ``path<TAB>tag`` lines; a path appears once per tag.

    Returns
    -------
    paths : list of str
    tags : list of list of str
        Each path's distinct tags, in list order.
    """
    grouped = {}
    for entry in entries:
        tags = grouped.setdefault(entry.path, [])
        if entry.label not in tags:
            tags.append(entry.label)
    return list(grouped), list(grouped.values())


def is_multilabel(entries):
    """Whether the list is a tag list: at least :data:`MULTILABEL_SHARE` of its paths carry two or more labels.

    A few paths listed twice with different labels in a classification list
    are mistakes (each keeps its first label), not tags.
    """
    counts = [len(tags) for tags in tag_sets(entries)[1]]
    return sum(n > 1 for n in counts) >= MULTILABEL_SHARE * len(counts)


def write_outputs(*, paths, record, scores, binary, affinity_out, binary_out):
    """Write AFFINITY (``path<TAB>tag<TAB>score``) and BINARY (``path<TAB>tag<TAB>1|0``) lists atomically.

    Every path gets one line per tag of ``record``, paths in the given order
    and written exactly as given, tags in the record's order.
    """
    write_list(affinity_out, [(p, t, f"{s:.6f}") for p, row in zip(paths, scores) for t, s in zip(record.tags, row)])
    write_list(binary_out, [(p, t, str(int(b))) for p, row in zip(paths, binary) for t, b in zip(record.tags, row)])
