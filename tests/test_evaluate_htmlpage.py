"""report.html of every task: self-contained, and drawn by a real browser (headless Chromium)."""
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mirex.evaluate import htmlpage
from mirex.evaluate.classmetrics import score
from mirex.evaluate.classreport import write_report
from mirex.evaluate.classtask import SystemResult
from mirex.evaluate.dataset import Dataset
from mirex.evaluate.simmetrics import similarity_scores
from mirex.evaluate.simreport import SimilarityResult, write_similarity_report
from mirex.evaluate.tagdata import TagDataset
from mirex.evaluate.tagmetrics import affinity_scores, binary_scores
from mirex.evaluate.tagreport import TagFold, TagSystemResult, write_tag_report

LABELS = ["rock", "rock", "jazz", "jazz", "pop", "pop", "rock", "jazz", "pop"]
FOLDS = [1, 2, 3, 1, 2, 3, 1, 2, 3]
TIMINGS = pd.DataFrame({"fold": [1, 2, 3], "train_s": [1.0, 1.0, 1.0], "test_s": [0.5, 0.5, 0.5]}).set_index("fold")
COMMAND = "mirex evaluate 'lists/toy set.txt' --task classify --systems a b"


def _classification(folder):
    dataset = Dataset(Path("lists/toy.txt"), [f"/d/{i}.wav" for i in range(9)], LABELS, ["g1", "g2", "g3"] * 3)
    guesses = {"strong": LABELS, "weak": ["rock", "pop", "jazz", "rock", "pop", None, "rock", "rock", "pop"]}
    results = [SystemResult(name, ["--features", name], score(reference=LABELS, estimated=guess, folds=FOLDS),
                            TIMINGS, tuple(guess)) for name, guess in guesses.items()]
    strata = ("source", {f"{i}": "one" if i < 4 else "two" for i in range(9)})
    write_report(out_dir=folder, dataset=dataset, n_folds=3, seed=0, results=results, strata=strata, command=COMMAND)


def _tags(folder):
    rng = np.random.default_rng(0)
    tags = ["loud", "calm", "fast"]
    truth = (rng.random((6, 3)) < 0.5).astype(float)
    truth[0], truth[1] = [1, 0, 0], [0, 1, 1]
    names = {"tracks": [f"/d/{i}.wav" for i in range(6)], "tags": tags}
    results = []
    for name, noise in (("good", 0.2), ("poor", 0.9)):
        folds = []
        for number in (1, 2, 3):
            affinity = np.clip(truth + noise * rng.standard_normal(truth.shape), 0, 1)
            folds.append(TagFold(number, binary_scores(truth=truth, predicted=(affinity > 0.5) * 1.0, **names),
                                 affinity_scores(truth=truth, affinity=affinity, **names)))
        results.append(TagSystemResult(name, ["--features", "mfcc"], folds, TIMINGS))
    dataset = TagDataset(Path("lists/tags.txt"), names["tracks"], [()] * 6, [None] * 6, tags)
    write_tag_report(out_dir=folder, dataset=dataset, n_folds=3, seed=0, results=results, command=COMMAND)


def _similarity(folder):
    rng = np.random.default_rng(1)
    labels = [c for c in "abc" for _ in range(8)]
    groups = [f"{c}{i // 2}" for c in "abc" for i in range(8)]
    results = []
    for name, spread in (("near", 0.3), ("far", 3.0)):
        points = np.array([[ord(c) - 97.0, 0.0] for c in labels]) + spread * rng.standard_normal((24, 2))
        distances = np.linalg.norm(points[:, None] - points[None, :], axis=-1)
        results.append(SimilarityResult(name, ["--features", name],
                                        similarity_scores(distances=distances, labels=labels, groups=groups), 1.5))
    dataset = Dataset(Path("lists/sim.txt"), [f"/d/{i}.wav" for i in range(24)], labels, groups)
    write_similarity_report(out_dir=folder, dataset=dataset, results=results, command=COMMAND)


WRITERS = {"classify": _classification, "tag": _tags, "similarity": _similarity}
SECTIONS = {
    "classify": ["Leaderboard", "Per-fold results", "Friedman&#x27;s test", "Confusion matrices (all folds)",
                 "Per-class accuracy", "Accuracy by source"],
    "tag": ["Leaderboard (means over folds)", "Per-fold results", "Friedman&#x27;s test",
            "Per-tag F-measure and AUC-ROC (means over folds)"],
    "similarity": ["Comparison", "Neighbourhood statistics"],
}
IMAGES = {"classify": 3, "tag": 2, "similarity": 1}  # confusion matrices and mean ranks; AUC bars; neighbourhoods


@pytest.fixture(params=list(WRITERS))
def page(request, tmp_path):
    WRITERS[request.param](tmp_path)
    return request.param, tmp_path / "report.html"


def test_the_page_holds_everything_itself(page):
    task, path = page
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "<script" not in text.lower() and "<link" not in text.lower() and "url(" not in text
    sources = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert len(sources) == IMAGES[task] and all(s.startswith("data:image/png;base64,") for s in sources)
    headings = re.findall(r"<h2>(.*?)</h2>", text)
    assert headings == [*SECTIONS[task], *(["Significance"] if task == "similarity" else []),
                        "How this page was made"]
    assert "mirex evaluate &#x27;lists/toy set.txt&#x27; --task classify --systems a b" in text
    for package in ("mirex", "python", "numpy", "pandas", "scikit-learn", "matplotlib"):
        assert f"<th>{package}</th>" in text, package
    assert not list(path.parent.rglob("*.tmp"))


def test_versions_name_every_package():
    versions = htmlpage.versions()["version"]
    assert list(versions.index) == ["mirex", "python", "platform", *htmlpage.PACKAGES]
    assert versions["pandas"] == pd.__version__


def _chromium(*args, profile):
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("chromium is not installed: `make test-deps` installs it (as root)")
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                           "--enable-logging=stderr", "--v=0", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_browser_draws_the_page_without_errors(page, tmp_path):
    from PIL import Image

    task, path = page
    dom = _chromium("--dump-dom", path.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "How this page was made" in dom.stdout and dom.stdout.count("<img") == IMAGES[task]
    errors = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not errors, errors
    shot = tmp_path / "shot.png"
    run = _chromium(f"--screenshot={shot}", "--window-size=1200,2000", path.as_uri(), profile=tmp_path / "profile")
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
    assert pixels.shape == (2000, 1200, 3)
    assert pixels.std() > 20 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # drawn, not one colour
