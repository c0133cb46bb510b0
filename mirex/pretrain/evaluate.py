"""Artist recognition on held-out songs, and song features from the mel cache.

Two classifiers of a segment's artist:

- ``softmax`` (plain model only): the training head's most probable artist;
- ``centroid`` (both models): the artist whose centroid is most similar by
  cosine, a centroid being the mean of the L2-normalised song features of the
  artist's training clips.

A song's (clip's) prediction averages its segments' scores (probabilities,
or cosine similarities) before taking the best artist.
"""
import numpy as np

__all__ = ["segment_features", "song_features", "accuracies", "centroid_scores"]


def _batched(split, clips, starts, batch_size):
    for begin in range(0, len(clips), batch_size):
        yield split.read(clips[begin : begin + batch_size], starts[begin : begin + batch_size])


def segment_features(feature_model, split, *, batch_size=256):
    """Features of every fixed segment of ``split``.

    Returns
    -------
    features : np.ndarray, float32, shape (n_segments, dim)
    owner : np.ndarray, int, shape (n_segments,)
        Clip index of each segment.
    """
    clips, starts = split.fixed()
    parts = [np.asarray(feature_model.predict_on_batch(x)) for x in _batched(split, clips, starts, batch_size)]
    return np.concatenate(parts).astype(np.float32, copy=False), clips


def song_features(feature_model, split, *, batch_size=256):
    """Song feature of every clip (mean of its segment features), as :mod:`mirex.extractors` computes it.

    Segment features are summed batch by batch, so memory stays at one batch
    plus the result.
    """
    clips, starts = split.fixed()
    sums = None
    for begin, x in zip(range(0, len(clips), batch_size), _batched(split, clips, starts, batch_size)):
        emb = np.asarray(feature_model.predict_on_batch(x), dtype=np.float64)
        sums = np.zeros((len(split), emb.shape[1])) if sums is None else sums
        np.add.at(sums, clips[begin : begin + len(emb)], emb)
    return (sums / split.n_segments[:, None]).astype(np.float32)


def _normalised(x):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def centroid_scores(features, *, train_songs, train_artists, n_artists):
    """Cosine similarity of each feature row with each artist's centroid, shape (n, n_artists).

    Artists without training songs get -inf.
    """
    sums = np.zeros((n_artists, train_songs.shape[1]))
    np.add.at(sums, train_artists, _normalised(train_songs))
    scores = _normalised(features) @ _normalised(sums).T
    scores[:, ~sums.any(axis=1)] = -np.inf
    return scores


def accuracies(scores, *, owner, artists):
    """Segment and song accuracy of per-segment artist scores.

    Parameters
    ----------
    scores : np.ndarray, shape (n_segments, n_artists)
    owner : np.ndarray, shape (n_segments,)
        Clip of each segment.
    artists : np.ndarray, shape (n_clips,)
        True artist of each clip.

    Returns
    -------
    dict
        ``segment``: share of segments whose best-scoring artist is right;
        ``song``: the same for clips, scores averaged over their segments.
    """
    segment = float(np.mean(scores.argmax(axis=1) == artists[owner]))
    sums = np.zeros((len(artists), scores.shape[1]))
    np.add.at(sums, owner, np.where(np.isfinite(scores), scores, -1e9))
    return {"segment": segment, "song": float(np.mean(sums.argmax(axis=1) == artists))}
