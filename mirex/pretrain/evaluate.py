"""Held-out scores of a trained network, and song features from the input cache.

The *evaluator* is a Keras model on the feature model's input returning a
dict: ``feature`` and each training output by name. Two classifiers of a
segment's artist:

- ``softmax`` (models with an artist head): the head's most probable artist;
- ``centroid`` (every model trained on artists): the artist whose centroid
  is most similar by cosine, a centroid being the mean of the L2-normalised
  song features of the artist's training clips.

A song's (clip's) prediction averages its segments' scores (probabilities,
or cosine similarities) before taking the best artist. Tags are scored by
ROC-AUC of the clip-level mean sigmoid outputs.
"""
import numpy as np

__all__ = ["evaluator_model", "segment_outputs", "song_means", "accuracies", "centroid_scores", "tag_auc"]


def evaluator_model(feature_model, training_model, *, heads=()):
    """A model returning ``{'feature': ..., HEAD: ...}`` for the named output layers of ``training_model``."""
    import keras

    outputs = {"feature": feature_model.output}
    outputs.update({name: training_model.get_layer(name).output for name in heads})
    return keras.Model(feature_model.input, outputs)


def _predicted(model, split, batch_size):
    """(clips, {name: float32 outputs}) of every fixed segment of ``split``, batch by batch."""
    clips, starts = split.fixed()
    for begin in range(0, len(clips), batch_size):
        rows = slice(begin, begin + batch_size)
        out = model.predict_on_batch(split.read(clips[rows], starts[rows]))
        yield clips[rows], {name: np.asarray(value, dtype=np.float32) for name, value in out.items()}


def segment_outputs(model, split, *, batch_size=64):
    """Every output of an evaluator for every fixed segment of ``split``.

    Returns
    -------
    outputs : dict of str to np.ndarray, float32, (n_segments, ...)
    owner : np.ndarray, int, shape (n_segments,)
        Clip index of each segment.
    """
    parts = list(_predicted(model, split, batch_size))
    owner = np.concatenate([clips for clips, _ in parts])
    return {name: np.concatenate([out[name] for _, out in parts]) for name in parts[0][1]}, owner


def song_means(model, split, *, name="feature", batch_size=64):
    """Each clip's mean of output ``name`` over its segments (the song feature, as extraction computes it).

    Segment outputs are summed batch by batch, so memory stays at one batch plus the result.
    """
    sums = None
    for clips, out in _predicted(model, split, batch_size):
        values = out[name].astype(np.float64)
        sums = np.zeros((len(split), values.shape[1])) if sums is None else sums
        np.add.at(sums, clips, values)
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


def tag_auc(probabilities, *, owner, targets):
    """Clip-level ROC-AUC of per-segment tag probabilities.

    Parameters
    ----------
    probabilities : np.ndarray, shape (n_segments, n_tags)
    owner : np.ndarray, shape (n_segments,)
    targets : np.ndarray, shape (n_clips, n_tags)
        Multi-hot truth.

    Returns
    -------
    dict
        ``macro``: mean ROC-AUC over the tags with both positive and
        negative clips (None if there is none); ``tags``: how many those are.
    """
    from sklearn.metrics import roc_auc_score

    sums = np.zeros(targets.shape)
    np.add.at(sums, owner, probabilities)
    scores = sums / np.maximum(np.bincount(owner, minlength=len(targets)), 1)[:, None]
    usable = [t for t in range(targets.shape[1]) if 0 < targets[:, t].sum() < len(targets)]
    aucs = [roc_auc_score(targets[:, t], scores[:, t]) for t in usable]
    return {"macro": float(np.mean(aucs)) if aucs else None, "tags": len(usable)}
