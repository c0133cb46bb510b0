"""``mirex evaluate`` through the real scripts: two systems on generated audio; the group column to the classifier."""
import logging

from conftest import CLASSES, synth, write_clip

from mirex.cli import main


def _dataset(folder, *, classes, clips, seconds):
    """A dataset list of generated clips, two clips per group; returns the list and its lines."""
    lines = []
    for c, label in enumerate(classes):
        for i in range(clips):
            path = write_clip(folder / "audio" / f"{label}-{i}.wav", synth(label, seconds=seconds, seed=100 * c + i))
            lines.append(f"{path}\t{label}\tartist-{label}-{i // 2}")
    dataset = folder / "synthetic.txt"
    dataset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dataset, lines


def test_two_systems_leaderboard_and_reports(tmp_path, capsys):
    dataset, lines = _dataset(tmp_path, classes=CLASSES, clips=6, seconds=4)
    out = tmp_path / "results"
    status = main(["evaluate", str(dataset), "--systems", "paper", "mfcc", "--out", str(out),
                   "--cache", str(tmp_path / "cache"), "-numThreads", "2", "--folds", "2"])
    assert status == 0
    board = capsys.readouterr().out
    assert "paper" in board and "mfcc" in board
    for name in ("leaderboard.csv", "per_fold.csv", "per_class.csv", "summary.md", "confusion/paper.png",
                 "confusion/mfcc.csv", "report.html"):
        assert (out / name).is_file(), name
    import pandas as pd

    table = pd.read_csv(out / "leaderboard.csv").set_index("system")
    assert set(table.index) == {"paper", "mfcc"}
    assert (table["accuracy"] > 0.6).all()  # chance is 0.25
    for fold in (1, 2):  # the graders' files: a train list with labels, a test list of paths
        train = (out / "folds" / f"fold{fold}" / "train.txt").read_text(encoding="utf-8").splitlines()
        test = (out / "folds" / f"fold{fold}" / "test.txt").read_text(encoding="utf-8").splitlines()
        assert all(line.count("\t") == 1 for line in train) and all("\t" not in line for line in test)
        assert len(train) + len(test) == len(lines)


def test_train_groups_reach_the_inner_cross_validation(tmp_path, caplog):
    dataset, _ = _dataset(tmp_path, classes=CLASSES[:2], clips=8, seconds=2)
    out = tmp_path / "results"
    with caplog.at_level(logging.INFO, logger="mirex"):
        assert main(["evaluate", str(dataset), "--systems", "mfcc", "--out", str(out), "--cache",
                     str(tmp_path / "cache"), "-numThreads", "2", "--folds", "2", "--train-groups"]) == 0
    for fold in (1, 2):
        train = (out / "folds" / f"fold{fold}" / "train.txt").read_text(encoding="utf-8").splitlines()
        assert all(line.split("\t")[2].startswith("artist-") for line in train)
    assert caplog.text.count("grouped by group column") == 2 and "grouped by nearest neighbours" not in caplog.text
