"""The distance matrix: values, both formats, the graders' reader, block-wise computation."""
import numpy as np
import pytest

from mirex.errors import ListFileError
from mirex.tasks import similarity


@pytest.fixture
def features():
    rng = np.random.default_rng(1)
    values = rng.standard_normal((7, 4)) * [1, 10, 100, 0.1]
    values[4] = np.nan  # a file that could not be decoded
    return values


def cosine_distances(values):
    ok = np.isfinite(values).all(axis=1)
    z = (values - values[ok].mean(0)) / values[ok].std(0)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    return 1 - z @ z.T


def test_blocks_give_standardised_cosine_distances(features):
    whole = np.vstack([b for _, b in similarity.distance_blocks(features=features)])
    blocks = list(similarity.distance_blocks(features=features, block_rows=3))
    assert [start for start, _ in blocks] == [0, 3, 6]
    assert np.array_equal(np.vstack([b for _, b in blocks]), whole)
    expected = cosine_distances(features)
    good = [0, 1, 2, 3, 5, 6]
    assert whole[np.ix_(good, good)] == pytest.approx(np.clip(expected[np.ix_(good, good)], 0, 2), abs=1e-12)
    assert (whole[4, [0, 1, 2, 3, 5, 6]] == 2).all() and (whole[:, 4][good] == 2).all()
    assert (np.diag(whole) == 0).all() and np.allclose(whole, whole.T)


def test_full_format_reads_back(tmp_path, features):
    paths = [f"/data/dir with spaces/ünï {i}.wav" for i in range(7)]
    out = tmp_path / "matrix.txt"
    similarity.write_matrix(out=out, paths=paths, features=features, name="mfcc  system", block_rows=2)
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "mfcc system" and lines[1] == f"1\t{paths[0]}" and lines[8] == "Q/R\t" + "\t".join(
        str(i) for i in range(1, 8))
    assert lines[9].split("\t")[:2] == ["1", "0.000000"]
    got_paths, matrix = similarity.read_matrix(path=out)
    assert got_paths == paths
    expected = np.vstack([b for _, b in similarity.distance_blocks(features=features)])
    assert matrix == pytest.approx(expected, abs=1e-6)


def test_sparse_format_lists_the_nearest(tmp_path, features):
    paths = [f"f{i}.wav" for i in range(7)]
    out = tmp_path / "sparse.txt"
    similarity.write_matrix(out=out, paths=paths, features=features, name="sys", fmt="sparse", top=3)
    lines = out.read_text().splitlines()
    assert lines[0] == "sys" and len(lines) == 8
    full = np.vstack([b for _, b in similarity.distance_blocks(features=features)])
    for i, line in enumerate(lines[1:]):
        query, *pairs = line.split("\t")
        assert query == paths[i] and len(pairs) == 3
        files = [p.rsplit(",", 1)[0] for p in pairs]
        dists = [float(p.rsplit(",", 1)[1]) for p in pairs]
        assert paths[i] not in files and dists == sorted(dists)
        others = np.delete(full[i], i)
        assert dists[0] == pytest.approx(others.min(), abs=1e-6)


def test_reader_refuses_malformed_files(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("name\n1\ta\n")
    with pytest.raises(ListFileError, match="no line starting 'Q/R'"):
        similarity.read_matrix(path=bad)
    bad.write_text("name\n1\ta\n2\tb\nQ/R\t1\t2\n1\t0\t1\n")
    with pytest.raises(ListFileError, match="expected 2 rows of 2 distances"):
        similarity.read_matrix(path=bad)


def test_command_writes_both_formats(labelled_corpus, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    paths = [p for p, _ in labelled_corpus["test"]]
    listing = tmp_path / "list ü.txt"
    listing.write_text("\n".join(paths + paths[:1]) + "\n", encoding="utf-8")  # a repeated path counts once

    def mirex(*args):
        return subprocess.run([sys.executable, "-m", "mirex", *map(str, args)], capture_output=True, text=True,
                              cwd=ROOT, timeout=600)

    full, sparse = tmp_path / "full.txt", tmp_path / "sparse.txt"
    result = mirex("similarity", listing, full, "--features", "mfcc", "--cache", tmp_path / "cache", "--quiet")
    assert result.returncode == 0, result.stderr
    got, matrix = similarity.read_matrix(path=full)
    assert got == paths and matrix.shape == (16, 16)
    labels = np.array([label for _, label in labelled_corpus["test"]])
    nearest = np.argsort(matrix + np.diag([np.inf] * 16), axis=1)[:, 0]
    assert np.mean(labels[nearest] == labels) >= 0.75
    result = mirex("similarity", listing, sparse, "--features", "mfcc", "--cache", tmp_path / "cache",
                   "--format", "sparse", "--top", 3)
    assert result.returncode == 0, result.stderr
    lines = sparse.read_text(encoding="utf-8").splitlines()
    assert lines[0] == full.read_text(encoding="utf-8").splitlines()[0]
    assert [line.split("\t")[0] for line in lines[1:]] == paths and all(line.count("\t") == 3 for line in lines[1:])
    result = mirex("similarity", listing, tmp_path, "--features", "mfcc")
    assert result.returncode == 2 and "is a folder" in result.stderr and result.stderr.strip().count("\n") == 0
