"""Feature extraction on a Dask cluster: same numbers, survives a dead worker, resumes by the chunk.

The cluster is a LocalCluster on the loopback interface, started after the
session's models folder is set in the environment, so its worker processes
find the same default bundle.
"""
import argparse
import functools
import http.server
import json
import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from conftest import CLASSES, ROOT, synth, write_clip

from mirex.chunk_store import ChunkStore
from mirex.cli import main
from mirex.cluster import Cluster, ClusterError
from mirex.distributed import embed_chunk, extract_distributed
from mirex.embed import embed
from mirex.features import feature_pipeline
from mirex.remote import is_url, local_copies

distributed = pytest.importorskip("distributed")

N_CLIPS = 24
CHUNK = 4
#: Cluster against single process: the float32 rounding of the network's convolutions depends on how many
#: segments go through it at once (oneDNN picks its kernels by batch size), and the batches differ.
TOL = dict(rtol=1e-5, atol=1e-4)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """24 short synthetic clips (a bit over one 3-s segment each), their single-process features, a feature cache."""
    folder = tmp_path_factory.mktemp("dask clips")
    paths = [str(write_clip(folder / f"clip {i:02d}.wav", synth(CLASSES[i % 4], seconds=3.5, seed=100 + i)))
             for i in range(N_CLIPS)]
    listed = folder / "local.txt"
    listed.write_text("".join(p + "\n" for p in paths), encoding="utf-8")
    single = embed(list_file=listed, out=folder / "single.npy", cache_dir=folder / "single-cache", n_jobs=1,
                   progress=False)
    return paths, single, folder / "single-cache"


@pytest.fixture(scope="module")
def cluster(models_root):
    """Two single-threaded worker processes on 127.0.0.1 (the models folder is already in the environment)."""
    assert os.environ["MIREX_MODELS_DIR"] == str(models_root)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        yield cluster


def uri(path):
    return "file://" + path


def test_cluster_matches_single_process_and_reads_urls(tmp_path, clips, cluster, capsys):
    paths, single, _ = clips
    missing = uri(str(tmp_path / "gone.wav"))
    entries = [uri(p) if i % 3 == 0 else p for i, p in enumerate(paths)] + [missing]
    listed = tmp_path / "mixed.txt"
    listed.write_text("".join(e + "\n" for e in entries), encoding="utf-8")
    out = tmp_path / "emb.npy"
    assert main(["embed", str(listed), "--out", str(out), "--scheduler", cluster.scheduler_address,
                 "--chunk-size", str(CHUNK), "--cache", str(tmp_path / "cache"), "--quiet"]) == 0
    assert "gone.wav" in capsys.readouterr().err
    values = np.load(out)
    assert values.shape == (N_CLIPS + 1, single.shape[1])
    np.testing.assert_allclose(values[:N_CLIPS], single, **TOL)
    assert np.isnan(values[-1]).all()

    folder = tmp_path / "emb.chunks"
    manifest = json.loads((folder / "manifest.json").read_text())
    n_chunks = -(-(N_CLIPS + 1) // CHUNK)
    assert manifest["chunks_done"] == list(range(n_chunks)) and manifest["chunk_size"] == CHUNK
    assert manifest["fingerprint"] == feature_pipeline().fingerprint
    assert list(manifest["errors"]) == [str(N_CLIPS)] and missing in manifest["errors"][str(N_CLIPS)]
    assert (folder / "paths.txt").read_text().splitlines() == [e if is_url(e) else os.path.abspath(e) for e in entries]
    assert sorted(p.name for p in folder.glob("chunk-*.npy")) == [f"chunk-{i:05d}.npy" for i in range(n_chunks)]


def _extract(paths, folder, cache, scheduler, **kwargs):
    extractor = feature_pipeline()
    return extract_distributed(paths, extractor=extractor, cluster=Cluster(scheduler, chunk_size=CHUNK),
                               folder=folder, cache_dir=cache, **kwargs)


def test_rerun_computes_only_missing_chunks(tmp_path, clips, cluster):
    paths, single, _ = clips
    folder, cache = tmp_path / "run.chunks", clips[2]
    _extract(paths, folder, cache, cluster.scheduler_address)
    chunks = sorted(folder.glob("chunk-*.npy"))
    stamps = {p: p.stat().st_mtime_ns for p in chunks}
    chunks[2].unlink()
    computed = []
    result = _extract(paths, folder, cache, cluster.scheduler_address, on_chunk=computed.append)
    assert computed == [2]
    assert {p: p.stat().st_mtime_ns for p in chunks if p != chunks[2]} == {k: v for k, v in stamps.items()
                                                                           if k != chunks[2]}
    assert result.hits == N_CLIPS - CHUNK
    np.testing.assert_allclose(result.features, single, **TOL)
    # all chunks done: no scheduler needed (none listens there)
    again = _extract(paths, folder, cache, "tcp://127.0.0.1:9")
    np.testing.assert_array_equal(again.features, result.features)


def test_a_killed_worker_loses_no_chunk(tmp_path, clips, cluster):
    paths, single, _ = clips
    killed = []
    with distributed.Client(cluster) as client:
        before = client.run(os.getpid)

        def kill_a_busy_worker(index):
            if killed:
                return
            busy = [address for address, keys in client.processing().items() if keys]
            assert busy, "no chunk in flight to lose"
            killed.append(busy[0])
            os.kill(before[busy[0]], signal.SIGKILL)

        result = _extract(paths, tmp_path / "run.chunks", tmp_path / "cache", cluster.scheduler_address,
                          on_chunk=kill_a_busy_worker)
        client.wait_for_workers(2, timeout=120)
        assert before[killed[0]] not in client.run(os.getpid).values()  # it really died (the nanny restarted it)
    np.testing.assert_allclose(result.features, single, **TOL)
    assert not result.errors
    assert len(list((tmp_path / "run.chunks").glob("chunk-*.npy"))) == N_CLIPS // CHUNK


def test_another_chunk_size_starts_afresh(tmp_path, caplog):
    paths = [f"/x/{i}.wav" for i in range(10)]
    store = ChunkStore(tmp_path, paths=paths, chunk_size=4, fingerprint="f", dim=3)
    store.put(0, np.ones((4, 3)), {1: "bad"})
    store.put(2, np.ones((2, 3)), {})
    assert ChunkStore(tmp_path, paths=paths, chunk_size=4, fingerprint="f", dim=3).todo() == [1]
    again = ChunkStore(tmp_path, paths=paths, chunk_size=5, fingerprint="f", dim=3)
    assert again.todo() == [0, 1] and not list(tmp_path.glob("chunk-*.npy"))
    assert "starting afresh" in caplog.text
    assert ChunkStore(tmp_path, paths=paths[::-1], chunk_size=5, fingerprint="f", dim=3).manifest["chunks_done"] == []


def test_worker_refuses_a_different_model(clips):
    with pytest.raises(ClusterError, match="differs from the client's"):
        embed_chunk(clips[0][:1], spec="hybrid", fingerprint="0" * 16, cache_dir=None, n_jobs=1)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_urls_are_fetched_by_their_bytes(tmp_path):
    pytest.importorskip("aiohttp")
    (tmp_path / "a.wav").write_bytes(b"RIFF one")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        paths = [str(tmp_path / "a.wav"), uri(str(tmp_path / "a.wav")), f"{base}/a.wav", f"{base}/nope.wav"]
        with local_copies(paths) as (local, errors):
            assert local[0] == paths[0] and local[2].endswith(".wav")
            assert [open(p, "rb").read() for p in local[:3]] == [b"RIFF one"] * 3
            assert list(errors) == [3] and paths[3] in errors[3]
        assert not os.path.exists(local[1])
    finally:
        server.shutdown()


def test_plain_embed_does_not_import_dask(tmp_path, clips):
    listed = tmp_path / "two.txt"
    listed.write_text("".join(p + "\n" for p in clips[0][:2]), encoding="utf-8")
    code = ("import sys, mirex.cli; assert mirex.cli.main(['embed', sys.argv[1], '--out', sys.argv[2], '--cache', "
            "sys.argv[3], '-numThreads', '1', '--quiet']) == 0; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', 'fsspec'}))")
    done = subprocess.run([sys.executable, "-c", code, str(listed), str(tmp_path / "o.npy"), str(tmp_path / "c")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_pretrain_mel_cache_on_the_cluster_equals_single_process(tmp_path, clips, cluster):
    from mirex.frontends.mel import FrontEnd
    from mirex.pretrain.melcache import build_mel_cache

    paths = clips[0][:10] + [str(tmp_path / "missing.wav")]
    keys, errors = build_mel_cache(paths, folder=tmp_path / "dask-mels", frontend=FrontEnd(),
                                   cluster=Cluster(cluster.scheduler_address, chunk_size=CHUNK))
    single_keys, single_errors = build_mel_cache(paths, folder=tmp_path / "mels", frontend=FrontEnd(), n_jobs=1)
    assert keys == single_keys and list(errors) == list(single_errors) == [10]
    for a, b in zip(sorted((tmp_path / "dask-mels").rglob("*.npy")), sorted((tmp_path / "mels").rglob("*.npy"))):
        assert a.name == b.name
        np.testing.assert_allclose(np.load(a), np.load(b), atol=1e-5)


def test_cluster_options_are_one_value():
    parser = argparse.ArgumentParser()
    Cluster.add_arguments(parser)
    assert Cluster.from_args(parser.parse_args([])) is None
    assert Cluster.from_args(parser.parse_args(["--scheduler", "local", "--workers", "3"])) == Cluster("local", 3)
    remote = Cluster.from_args(parser.parse_args(["--scheduler", "tcp://h:8786", "--chunk-size", "5"]))
    assert remote == Cluster("tcp://h:8786", chunk_size=5) and remote.workers is None
    assert [(start, list(items)) for start, items in remote.chunks(range(12))] == [
        (0, [0, 1, 2, 3, 4]), (5, [5, 6, 7, 8, 9]), (10, [10, 11])]
    for argv, message in ((["--workers", "2"], "--workers"), (["--chunk-size", "2"], "--chunk-size"),
                          (["--scheduler", "tcp://h:8786", "--workers", "2"], "local cluster")):
        with pytest.raises(ClusterError, match=message):
            Cluster.from_args(parser.parse_args(argv))
    with pytest.raises(ClusterError):
        Cluster("local", chunk_size=0)


def test_cli_cluster_option_errors_exit_2(tmp_path, capsys):
    listed = tmp_path / "l.txt"
    listed.write_text("a.wav\n", encoding="utf-8")
    assert main(["embed", str(listed), "--out", str(tmp_path / "o.npy"), "--workers", "2"]) == 2
    assert capsys.readouterr().err.startswith("mirex: error: --workers")
