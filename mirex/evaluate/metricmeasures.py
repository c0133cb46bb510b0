"""What the metric task measures on the held-out clips of a fold, given their embeddings.

A *concept* groups tags (:mod:`mirex.nets.concepts`); a clip's label in a
concept is its tag of that concept (the first, in table order, if it has
two), or None when it has none. Every measure of a concept uses that
concept's *view* of the embedding: its sub-space when the embedding has one
for it (0 elsewhere: distances are those within the sub-space), the whole
embedding otherwise.

- **neighbourhood precision** of a concept: :func:`~mirex.evaluate.simmetrics.neighbourhood`
  at N over the clips labelled in the concept, by their label, each query's
  own group (work) removed first; the whole embedding's is the mean over
  concepts of the same on the whole embedding.
- **triplet accuracy** of a concept: the share of seeded triplets (anchor,
  positive, negative) of held-out clips with d(anchor, positive) <
  d(anchor, negative), where anchor and positive are distinct clips with the
  same label and the negative is labelled in the concept with another label
  (:func:`concept_triplets`).
- **tag AUC**: a logistic regression per tag trained on the training clips'
  embeddings scores the held-out clips; the mean over tags of the AUC-ROC
  (:func:`~mirex.evaluate.tagmetrics.affinity_scores`).
"""
import numpy as np

from mirex.evaluate.simmetrics import neighbourhood
from mirex.evaluate.tagmetrics import affinity_scores

__all__ = ["concept_labels", "concept_view", "concept_triplets", "triplet_accuracy", "concept_precision",
           "probe_auc"]


def concept_labels(*, tags, concept_tags):
    """Each clip's label in a concept: its first tag among ``concept_tags`` (table order), else None.

    Parameters
    ----------
    tags : sequence of sequence of str
        Each clip's tags.
    concept_tags : sequence of str
        The concept's tags.

    Returns
    -------
    list of str or None
    """
    return [next((t for t in concept_tags if t in clip), None) for clip in tags]


def concept_view(embeddings, *, concepts, masks, concept):
    """The embeddings in ``concept``'s sub-space (0 elsewhere), or the whole embeddings if it has none.

    Parameters
    ----------
    embeddings : ndarray, shape (n, dim)
    concepts : sequence of str
        The embedding's sub-spaces.
    masks : ndarray, shape (len(concepts), dim)
        1 on each sub-space (:meth:`mirex.nets.concepts.ConceptSpace.masks`).
    concept : str
    """
    if concept not in concepts:
        return embeddings
    return embeddings * masks[list(concepts).index(concept)]


def concept_triplets(*, labels, count, seed):
    """Seeded triplets of one concept: anchor and positive share a label, the negative has another one.

    Parameters
    ----------
    labels : sequence of str or None
        Each clip's label in the concept (None: unlabelled, never in a triplet).
    count : int
        Triplets drawn (with replacement among the possible ones).
    seed : int

    Returns
    -------
    ndarray of int, shape (count, 3)
        Rows ``(anchor, positive, negative)``; no row when no clip has both a
        clip-mate and a clip of another label.
    """
    labels = np.asarray([None if x is None else str(x) for x in labels], dtype=object)
    labelled = np.flatnonzero(labels != None)  # noqa: E711 (element-wise)
    same = labels[labelled][:, None] == labels[labelled][None, :]
    np.fill_diagonal(same, False)
    other = labels[labelled][:, None] != labels[labelled][None, :]
    anchors = np.flatnonzero(same.any(axis=1) & other.any(axis=1))
    if not len(anchors) or count < 1:
        return np.zeros((0, 3), dtype=int)
    rng = np.random.default_rng(seed)
    rows = []
    for a in rng.choice(anchors, count):
        rows.append((a, rng.choice(np.flatnonzero(same[a])), rng.choice(np.flatnonzero(other[a]))))
    return labelled[np.asarray(rows)]


def triplet_accuracy(*, embeddings, triplets):
    """Share of triplets whose anchor is nearer its positive than its negative; NaN without triplets."""
    if not len(triplets):
        return float("nan")
    x = np.asarray(embeddings, dtype=float)
    anchor, positive, negative = (x[triplets[:, k]] for k in range(3))
    return float(np.mean(((anchor - positive) ** 2).sum(axis=1) < ((anchor - negative) ** 2).sum(axis=1)))


def concept_precision(*, embeddings, labels, groups, n):
    """Group-filtered neighbourhood precision at ``n`` of the labelled clips, by label (NaN if undefined).

    Parameters
    ----------
    embeddings : ndarray, shape (m, dim)
    labels : sequence of str or None
        None: the clip is left out.
    groups : sequence of str or None
        Each clip's group (work); None makes a clip its own group.
    n : int
    """
    kept = [i for i, label in enumerate(labels) if label is not None]
    if len(kept) < 2:
        return float("nan")
    x = np.asarray(embeddings, dtype=float)[kept]
    distances = np.sqrt(np.maximum(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=-1), 0))
    score, _ = neighbourhood(distances=distances, classes=[labels[i] for i in kept], n=n,
                             groups=[f"\0{i}" if groups[i] is None else str(groups[i]) for i in kept])
    return score


def probe_auc(*, train, train_truth, test, test_truth, tracks, tags, seed=0):
    """Mean per-tag AUC-ROC on ``test`` of a logistic regression per tag fitted on ``train``.

    Parameters
    ----------
    train, test : ndarray, shape (n_train, dim), (n_test, dim)
        Embeddings.
    train_truth, test_truth : ndarray of 0/1, shape (n_train, n_tags), (n_test, n_tags)
    tracks, tags : sequence of str
        The test clips and the tags (:func:`~mirex.evaluate.tagmetrics.affinity_scores`).
    seed : int

    Returns
    -------
    float
        NaN when no tag has both a positive and a negative test clip. A tag
        without both among the training clips scores its training share.
    """
    from sklearn.linear_model import LogisticRegression

    affinity = np.zeros(np.shape(test_truth))
    for j in range(affinity.shape[1]):
        column = np.asarray(train_truth)[:, j]
        if column.min() == column.max():
            affinity[:, j] = column.mean()
            continue
        model = LogisticRegression(max_iter=1000, random_state=seed).fit(train, column)
        affinity[:, j] = model.predict_proba(test)[:, 1]
    scores = affinity_scores(truth=test_truth, affinity=affinity, tracks=tracks, tags=tags)
    per_tag = scores.per_tag["auc"].dropna()
    return float(per_tag.mean()) if len(per_tag) else float("nan")
