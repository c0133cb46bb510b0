import numpy as np

from mirex.cache import FeatureCache, content_key


def test_put_get_and_namespaces(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("model-a", "ab" * 20, np.arange(4))
    np.testing.assert_array_equal(cache.get("model-a", "ab" * 20), np.arange(4, dtype=np.float32))
    assert cache.get("model-b", "ab" * 20) is None
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_truncated_entry_is_a_miss(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("m", "cd" * 20, np.ones(256))
    (entry,) = tmp_path.rglob("*.npy")
    entry.write_bytes(entry.read_bytes()[:40])
    assert cache.get("m", "cd" * 20) is None


def test_content_key_follows_bytes_not_name(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"same")
    (tmp_path / "b.wav").write_bytes(b"same")
    assert content_key(tmp_path / "a.wav") == content_key(tmp_path / "b.wav")
    (tmp_path / "b.wav").write_bytes(b"changed")
    assert content_key(tmp_path / "a.wav") != content_key(tmp_path / "b.wav")
