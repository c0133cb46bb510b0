"""The tag dataset list and its folds (the scripts are run in test_evaluate_tasks_end_to_end.py)."""
import numpy as np
import pytest

from mirex.errors import DataError
from mirex.evaluate.tagdata import load_tag_dataset, tag_folds


def write(tmp_path, lines):
    path = tmp_path / "tags.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_pairs_become_clips_with_normalised_tags(tmp_path):
    dataset = load_tag_dataset(path=write(tmp_path, [
        "/a/one.wav\tRock\tg1", "/a/one.wav\tLoud!\tg1", "/a/two.wav\trock\tg2", "/a/one.wav\tROCK\tg1"]))
    assert dataset.paths == ["/a/one.wav", "/a/two.wav"]
    assert dataset.tags == [("rock", "loud"), ("rock",)] and dataset.vocabulary == ["rock", "loud"]
    assert dataset.groups == ["g1", "g2"]
    assert dataset.truth([1, 0]).tolist() == [[1, 0], [1, 1]]


@pytest.mark.parametrize("lines, message", [
    (["/a/one.wav\trock\tg1", "/a/one.wav\tpop\tg2"], r"tags.txt:2: group 'g2' differs from 'g1' on line 1"),
    (["/a/one.wav\trock", "/b/ONE.mp3\tpop"], "tags.txt:2: .* same base name as line 1"),
    (["/a/one.wav\trock", "/a/two.wav\tRock"], "at least two tags"),
    (["/a/one.wav\t--"], "tags.txt:1: tag '--' has no letters or digits"),
])
def test_bad_lists_are_refused(tmp_path, lines, message):
    with pytest.raises(DataError, match=message):
        load_tag_dataset(path=write(tmp_path, lines))


def test_folds_keep_groups_apart_and_spread_the_rare_tag(tmp_path):
    lines = []
    for i in range(24):
        tags = ["common"] + (["rare"] if i % 4 == 0 else [])
        lines += [f"/a/clip{i}.wav\t{t}\tartist{i // 2}" for t in tags]
    dataset = load_tag_dataset(path=write(tmp_path, lines))
    folds = tag_folds(dataset=dataset, n_folds=3, seed=0)
    groups = np.array(dataset.groups)
    for fold in folds:
        assert not set(groups[fold.train]) & set(groups[fold.test])
        assert sum("rare" in dataset.tags[i] for i in fold.test) == 2  # 6 rare clips, 2 per fold
