"""Metric-learning objectives: triplets with online semi-hard mining, and Proxy-NCA.

Everything is written with ``keras.ops``, so it runs on any Keras backend
and serves as a Keras loss. Distances are squared Euclidean; the embeddings
a model gives here are L2-normalised per sub-space (see
:mod:`mirex.nets.embedding`), so a distance lies in [0, 4].

Labels come as a multi-hot matrix ``y`` (n, classes), one-hot for a single
label (artist), or as ids (n,) (tracks; -1 for none). Two items are a
*positive* pair if they are distinct and share a label, a *negative* pair if
both are labelled and share none; an unlabelled item (a zero row, id -1) is
in no pair.

**Triplet loss with online semi-hard mining.** Every positive pair (a, p) of
a batch is an anchor and its positive. Its negative n is the *semi-hard*
one: the closest of the anchor's negatives that is farther from the anchor
than the positive, ``d(a, p) < d(a, n)``; the loss ``max(0, d(a, p) - d(a, n)
+ margin)`` is then non-zero only for negatives within the margin. When no
negative is farther than the positive, the fallback is the farthest negative
(the least hard of the hard ones). Pairs whose anchor has no negative at all
are left out; the loss is the mean over the pairs kept (0 when none is).

**Proxy-NCA.** One learned proxy per class (:class:`mirex.nets.embedding.Proxies`
computes ``s_c = -scale * d(x, proxy_c)``, the proxy L2-normalised). For each
item and each of its labels y, the loss is ``-log(exp(s_y) / sum over the
item's non-labels z of exp(s_z))``; the mean over (item, label) pairs. As
the sum leaves the label itself out, the loss falls below 0 once the label's
proxy is the nearest (to ``-4 * scale`` for unit vectors and two classes).
"""
from keras import ops

__all__ = ["squared_distances", "relations", "id_relations", "semi_hard_negatives", "triplet_loss", "proxy_nca_loss"]

#: Score standing for "left out" in a log-sum-exp: finite, so that no gradient becomes NaN.
_EXCLUDED = -1e9


def squared_distances(x, y=None):
    """Squared Euclidean distances between the rows of ``x`` and of ``y`` (default ``x``), clipped at 0."""
    y = x if y is None else y
    square = ops.sum(x * x, axis=-1)[:, None] + ops.sum(y * y, axis=-1)[None, :] - 2 * ops.matmul(x, ops.transpose(y))
    return ops.maximum(square, 0.0)


def relations(labels):
    """Positive and negative pairs of a multi-hot (or one-hot) label matrix.

    Parameters
    ----------
    labels : tensor, shape (n, classes)
        1 where an item has a class.

    Returns
    -------
    positive, negative : bool tensors, shape (n, n)
        See the module notes.
    """
    labels = ops.cast(labels, "float32")
    shared = ops.matmul(labels, ops.transpose(labels)) > 0
    labelled = ops.sum(labels, axis=-1) > 0
    both = ops.logical_and(labelled[:, None], labelled[None, :])
    distinct = ops.logical_not(ops.cast(ops.eye(ops.shape(labels)[0]), "bool"))
    return ops.logical_and(shared, distinct), ops.logical_and(both, ops.logical_not(shared))


def id_relations(ids):
    """Positive and negative pairs of ids, shape (n,): the same id (and not -1) is positive."""
    ids = ops.cast(ids, "int64")
    same = ops.equal(ids[:, None], ids[None, :])
    labelled = ids >= 0
    both = ops.logical_and(labelled[:, None], labelled[None, :])
    distinct = ops.logical_not(ops.cast(ops.eye(ops.shape(ids)[0]), "bool"))
    return ops.logical_and(ops.logical_and(same, both), distinct), ops.logical_and(both, ops.logical_not(same))


def semi_hard_negatives(distances, *, positive, negative):
    """The semi-hard negative of every (anchor, positive) pair.

    Parameters
    ----------
    distances : tensor, shape (n, n)
    positive, negative : bool tensors, shape (n, n)
        As :func:`relations` gives them.

    Returns
    -------
    int tensor, shape (n, n)
        At ``[a, p]`` the index of the negative chosen for anchor ``a`` and
        positive ``p`` (see the module notes for the rule and its fallback);
        -1 where ``(a, p)`` is not a positive pair or ``a`` has no negative.
    """
    d_ap, d_an = distances[:, :, None], distances[:, None, :]
    farther = ops.logical_and(negative[:, None, :], d_an > d_ap)
    inf = ops.cast(float("inf"), distances.dtype)
    closest_farther = ops.argmin(ops.where(farther, d_an, inf), axis=-1)
    farthest = ops.argmax(ops.where(negative, distances, -inf), axis=-1)
    chosen = ops.where(ops.any(farther, axis=-1), closest_farther, farthest[:, None])
    usable = ops.logical_and(positive, ops.any(negative, axis=-1)[:, None])
    return ops.where(usable, ops.cast(chosen, "int64"), -1)


def triplet_loss(embeddings, *, positive, negative, margin=0.2):
    """Mean triplet loss over the positive pairs, negatives mined semi-hard (see the module notes).

    Parameters
    ----------
    embeddings : tensor, shape (n, dim)
    positive, negative : bool tensors, shape (n, n)
    margin : float

    Returns
    -------
    scalar tensor
    """
    distances = squared_distances(embeddings)
    chosen = semi_hard_negatives(ops.stop_gradient(distances), positive=positive, negative=negative)
    d_an = ops.take_along_axis(distances, ops.maximum(chosen, 0), axis=1)
    kept = ops.cast(chosen >= 0, distances.dtype)
    losses = ops.relu(distances - d_an + margin) * kept
    return ops.sum(losses) / ops.maximum(ops.sum(kept), 1.0)


def proxy_nca_loss(labels, scores):
    """Proxy-NCA loss of proxy scores (see the module notes).

    Parameters
    ----------
    labels : tensor, shape (n, classes)
        Multi-hot (or one-hot) labels.
    scores : tensor, shape (n, classes)
        ``-scale * d(x, proxy)`` of each item and class.

    Returns
    -------
    scalar tensor
    """
    scores = ops.convert_to_tensor(scores)
    labels = ops.cast(labels, scores.dtype)
    others = ops.logsumexp(ops.where(labels > 0, _EXCLUDED, scores), axis=-1, keepdims=True)
    kept = labels * ops.cast(ops.any(labels <= 0, axis=-1, keepdims=True), scores.dtype)
    losses = ops.where(kept > 0, others - scores, 0.0)
    return ops.sum(losses) / ops.maximum(ops.sum(kept), 1.0)
