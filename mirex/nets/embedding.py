"""Embedding heads trained by an objective, one sub-space per concept (Keras).

:func:`build_embedding_model` puts on a feature tensor an optional
projection (dense layers) and the *embedding*: the values cut into the
sub-spaces of a :class:`~mirex.nets.concepts.ConceptSpace`, each
L2-normalised. What the training model outputs depends on the objective:

- ``classification``: per concept, a sigmoid per tag on its sub-space;
  binary cross-entropy;
- ``triplet``: the embedding itself; the triplet loss with semi-hard mining
  on each sub-space (:mod:`mirex.nets.metric`);
- ``proxy``: per concept, one learned proxy per tag (:class:`Proxies`) on its
  sub-space; the Proxy-NCA loss.

The training targets ``y`` are a multi-hot tag matrix (``columns`` picks
each concept's tags from it), or class ids (n,) (one concept over
``n_classes`` classes, e.g. artists). With the track sub-space (triplet
only) the last column of ``y`` holds each item's track id. The loss is the
sum of the concepts' losses, each a function of its own sub-space alone.
"""
import keras
from keras import layers, ops

from mirex.nets.concepts import TRACK
from mirex.nets.metric import id_relations, proxy_nca_loss, relations, squared_distances, triplet_loss
from mirex.nets.projection import OBJECTIVES

__all__ = ["PROXY_SCALE", "MARGIN", "SubspaceNormalization", "Proxies", "ConceptLoss",
           "build_embedding_model"]

#: Scale of the proxy scores (distances in [0, 4] times this).
PROXY_SCALE = 8.0
#: Margin of the triplet loss, in squared distance between unit vectors.
MARGIN = 0.2


class SubspaceNormalization(layers.Layer):
    """Cut the last axis at ``edges`` and L2-normalise each part."""

    def __init__(self, edges, **kwargs):
        super().__init__(**kwargs)
        self.edges = [int(e) for e in edges]

    def call(self, x):
        parts = [x[:, a:b] / ops.maximum(ops.norm(x[:, a:b], axis=-1, keepdims=True), 1e-12)
                 for a, b in zip(self.edges, self.edges[1:])]
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=-1)


class Proxies(layers.Layer):
    """One learned proxy per class: ``-scale * d(x, proxy)`` for each class, proxies L2-normalised."""

    def __init__(self, units, *, scale=PROXY_SCALE, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale, self.seed = units, scale, seed

    def build(self, input_shape):
        self.proxies = self.add_weight(shape=(self.units, input_shape[-1]), name="proxies",
                                       initializer=keras.initializers.RandomNormal(seed=self.seed))

    def call(self, x):
        proxies = self.proxies / ops.maximum(ops.norm(self.proxies, axis=-1, keepdims=True), 1e-12)
        return -self.scale * squared_distances(x, proxies)


class ConceptLoss:
    """The sum over concepts of the objective's loss on each concept's part of the output.

    Parameters
    ----------
    objective : {'classification', 'triplet', 'proxy'}
    parts : list of (int, int)
        Each concept's columns of the model output.
    columns : list of np.ndarray or None
        Each concept's columns of ``y`` (None: the track ids, ``y``'s last column).
    n_classes : int, optional
        ``y`` holds class ids (n,) of this many classes rather than a multi-hot matrix.
    margin : float
    """

    __name__ = "concept_loss"

    def __init__(self, *, objective, parts, columns, n_classes=None, margin=MARGIN):
        self.objective, self.parts, self.columns = objective, parts, columns
        self.n_classes, self.margin = n_classes, margin

    def concept(self, y_true, y_pred, index):
        """The loss of concept ``index`` alone."""
        a, b = self.parts[index]
        out, cols = y_pred[:, a:b], self.columns[index]
        if self.n_classes:
            labels = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int64"), self.n_classes)
        elif cols is None:
            positive, negative = id_relations(y_true[:, -1])
            return triplet_loss(out, positive=positive, negative=negative, margin=self.margin)
        else:
            labels = ops.take(ops.cast(y_true, "float32"), ops.convert_to_tensor(cols), axis=1)
        if self.objective == "classification":
            return ops.mean(keras.losses.binary_crossentropy(labels, out))
        if self.objective == "proxy":
            return proxy_nca_loss(labels, out)
        positive, negative = relations(labels)
        return triplet_loss(out, positive=positive, negative=negative, margin=self.margin)

    def __call__(self, y_true, y_pred):
        return sum(self.concept(y_true, y_pred, k) for k in range(len(self.parts)))


def build_embedding_model(inputs, features, *, objective, space, columns, n_classes=None, hidden=(),
                          project=False, seed=None):
    """A training model for an objective on concept sub-spaces, and its loss.

    Parameters
    ----------
    inputs, features : KerasTensor
        The model's input and the feature tensor (n, features) the head takes.
    objective : {'classification', 'triplet', 'proxy'}
    space : mirex.nets.concepts.ConceptSpace
        Without projection, ``space.dim`` must be the feature's length.
    columns : list of np.ndarray or None
        Each concept's columns of the targets (:meth:`~mirex.nets.concepts.ConceptSpace.columns`).
    n_classes : int, optional
        The targets are class ids of this many classes (one concept).
    hidden : sequence of int
        Widths of ReLU dense layers ``head_1, head_2...`` before the projection.
    project : bool
        A linear dense layer ``projection`` to ``space.dim`` values before the embedding.
    seed : int, optional

    Returns
    -------
    model : keras.Model
        The training model (inputs -> the objective's output).
    embedder : keras.Model
        Inputs -> the embedding (``embedding`` layer).
    loss : ConceptLoss
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")
    x = features
    for index, units in enumerate(hidden, start=1):
        x = layers.Dense(units, activation="relu", name=f"head_{index}",
                         kernel_initializer=keras.initializers.HeUniform(seed=seed))(x)
    if project:
        x = layers.Dense(space.dim, name="projection",
                         kernel_initializer=keras.initializers.GlorotUniform(seed=seed))(x)
    edges = space.edges
    embedding = SubspaceNormalization(edges, name="embedding", dtype="float32")(x)
    spans = [(int(a), int(b)) for a, b in zip(edges, edges[1:])]
    if objective == "triplet":
        output, parts = embedding, spans
    else:
        if TRACK in space.concepts:
            raise ValueError("the track sub-space is trained by the triplet loss only")
        widths = [n_classes] if n_classes else [len(c) for c in columns]
        outputs = []
        for k, ((a, b), units) in enumerate(zip(spans, widths)):
            sub = embedding[:, a:b]
            outputs.append(layers.Dense(units, activation="sigmoid", dtype="float32", name=f"tags_{k}")(sub)
                           if objective == "classification" else
                           Proxies(units, seed=seed, dtype="float32", name=f"proxies_{k}")(sub))
        output = outputs[0] if len(outputs) == 1 else layers.Concatenate(name="scores", dtype="float32")(outputs)
        ends = [0] + [int(sum(widths[: k + 1])) for k in range(len(widths))]
        parts = list(zip(ends, ends[1:]))
    loss = ConceptLoss(objective=objective, parts=parts, columns=columns, n_classes=n_classes)
    return keras.Model(inputs, output, name=f"{objective}_training"), keras.Model(inputs, embedding), loss
