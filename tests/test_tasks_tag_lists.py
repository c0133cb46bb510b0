"""The tag task's lists: tags by path, telling a tag list from a classification list, the two outputs."""
from types import SimpleNamespace

import numpy as np

from mirex.listfile import Entry
from mirex.tasks import tag_lists


def entries(pairs):
    return [Entry(p, t, None, n, p) for n, (p, t) in enumerate(pairs, start=1)]


def test_a_few_repeated_paths_do_not_make_a_tag_list():
    single = [(f"{i}.wav", "a" if i % 2 else "b") for i in range(8)]
    assert not tag_lists.is_multilabel(entries(single + [("0.wav", "a")]))  # one mistake in 8 paths
    assert tag_lists.is_multilabel(entries(single + [("0.wav", "a"), ("1.wav", "b")]))  # 2 of 8: a quarter


def test_tags_are_grouped_by_path_in_first_seen_order_without_repeats():
    paths, tags = tag_lists.tag_sets(entries([("b.wav", "x"), ("a.wav", "y"), ("b.wav", "z"), ("b.wav", "x")]))
    assert paths == ["b.wav", "a.wav"] and tags == [["x", "z"], ["y"]]


def test_outputs_have_one_line_per_path_and_tag(tmp_path):
    record = SimpleNamespace(tags=["x", "y"])
    tag_lists.write_outputs(paths=["b.wav", "a.wav"], record=record, scores=np.array([[0.25, 1.0], [0.0, 0.5]]),
                            binary=np.array([[0, 1], [0, 1]]), affinity_out=tmp_path / "aff", binary_out=tmp_path / "bin")
    assert (tmp_path / "aff").read_text().splitlines() == [
        "b.wav\tx\t0.250000", "b.wav\ty\t1.000000", "a.wav\tx\t0.000000", "a.wav\ty\t0.500000"]
    assert (tmp_path / "bin").read_text().splitlines() == ["b.wav\tx\t0", "b.wav\ty\t1", "a.wav\tx\t0", "a.wav\ty\t1"]
