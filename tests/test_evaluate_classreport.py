"""Classification report files and the leaderboard."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mirex.evaluate.classmetrics import score
from mirex.evaluate.classreport import format_leaderboard, write_report
from mirex.evaluate.classtask import SystemResult
from mirex.evaluate.dataset import Dataset

REFERENCE = ["rock", "rock", "jazz", "jazz", "pop", "pop"]
FOLDS = [1, 2, 3, 1, 2, 3]


def _result(name, estimated):
    timings = pd.DataFrame({"fold": [1, 2, 3], "train_s": [1.0, 1.0, 1.0], "test_s": [0.5, 0.5, 0.5]})
    return SystemResult(name, ["--x"], score(reference=REFERENCE, estimated=estimated, folds=FOLDS),
                        timings.set_index("fold"))


def _dataset():
    return Dataset(Path("lists/toy.txt"), [f"/d/{i}.wav" for i in range(6)], REFERENCE, [None] * 6)


def test_write_report_files(tmp_path):
    results = [_result("weak", ["rock", "pop", "jazz", "rock", "pop", None]), _result("strong", REFERENCE)]
    board = write_report(out_dir=tmp_path, dataset=_dataset(), n_folds=3, seed=0, results=results)
    assert board["system"].tolist() == ["strong", "weak"]
    assert board.loc[1, "accuracy"] == pytest.approx(3 / 6)
    assert board.loc[0, "time_s"] == pytest.approx(4.5)
    # strong is right everywhere; weak on clips 0, 2 and 4 only, so it ties strong on a resample of those alone.
    assert board.loc[0, ["normalised_accuracy_low", "normalised_accuracy_high"]].tolist() == [1.0, 1.0]
    assert board.loc[1, "normalised_accuracy_low"] < 0.5 < board.loc[1, "normalised_accuracy_high"]
    assert np.isnan(board.loc[0, "top_not_ahead"]) and board.loc[1, "top_not_ahead"] == pytest.approx(1 / 64, abs=0.01)
    written = pd.read_csv(tmp_path / "leaderboard.csv")
    assert list(written.columns[:6]) == ["system", "accuracy", "normalised_accuracy", "normalised_accuracy_low",
                                         "normalised_accuracy_high", "top_not_ahead"]
    expected = ["leaderboard.csv", "per_fold.csv", "per_class.csv", "significance.csv", "summary.md", "report.html",
                "confusion/weak.csv", "confusion/weak.png", "confusion/strong.csv", "confusion/strong.png"]
    for name in expected:
        assert (tmp_path / name).stat().st_size > 0, name
    assert (tmp_path / "confusion" / "weak.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    per_fold = pd.read_csv(tmp_path / "per_fold.csv")
    assert list(per_fold.columns) == ["system", "fold", "n", "accuracy", "normalised_accuracy", "train_s", "test_s"]
    assert len(per_fold) == 6
    per_class = pd.read_csv(tmp_path / "per_class.csv", index_col="class")
    assert per_class["weak"].tolist() == [0.5, 0.5, 0.5] and per_class["strong"].tolist() == [1.0] * 3
    confusion = pd.read_csv(tmp_path / "confusion" / "weak.csv", index_col=0)
    assert confusion.loc["pop", "(missing)"] == 1 and confusion.loc["jazz", "rock"] == 1
    significance = pd.read_csv(tmp_path / "significance.csv")
    assert significance["table"].tolist() == ["per_fold", "per_class"]
    summary = (tmp_path / "summary.md").read_text()
    assert "| normalised_accuracy_low | normalised_accuracy_high | top_not_ahead |" in summary
    assert "<th>top_not_ahead</th>" in (tmp_path / "report.html").read_text()
    for heading in ("# Evaluation on toy", "## Leaderboard", "## Friedman's test", "## Per-class accuracy"):
        assert heading in summary
    assert not list(tmp_path.rglob("*.tmp"))


def test_tied_systems_report_undefined_friedman(tmp_path):
    results = [_result("one", REFERENCE), _result("two", REFERENCE)]
    write_report(out_dir=tmp_path, dataset=_dataset(), n_folds=3, seed=0, results=results)
    assert "the systems tie in every block" in (tmp_path / "summary.md").read_text()


def test_single_system_report_skips_friedman(tmp_path):
    write_report(out_dir=tmp_path, dataset=_dataset(), n_folds=3, seed=0, results=[_result("only", REFERENCE)])
    assert not (tmp_path / "significance.csv").exists()
    assert "needs at least two systems" in (tmp_path / "summary.md").read_text()


def test_format_leaderboard():
    board = pd.DataFrame([{"system": "a", "accuracy": 0.5, "normalised_accuracy": 0.25, "normalised_accuracy_low": 0.2,
                           "normalised_accuracy_high": 0.3, "top_not_ahead": np.nan, "fold1": 1.0, "time_s": 12.34},
                          {"system": "b", "accuracy": 0.4, "normalised_accuracy": 0.2, "normalised_accuracy_low": 0.1,
                           "normalised_accuracy_high": 0.3, "top_not_ahead": 0.125, "fold1": 0.4, "time_s": 1.0}])
    lines = format_leaderboard(board=board).splitlines()
    assert lines[0].split() == ["system", "accuracy", "norm_accuracy", "norm_low", "norm_high", "top_not_ahead",
                                "fold1", "time_s"]
    assert lines[1].split() == ["a", "50.00", "25.00", "20.00", "30.00", "-", "100.00", "12.3"]
    assert lines[2].split() == ["b", "40.00", "20.00", "10.00", "30.00", "12.50", "40.00", "1.0"]
