"""FeatureSpec: one value that names a feature system, and its text form.

A feature system is the network's blocks that feed the song feature, how
each block's output is pooled over time inside a segment, the segment
length(s), the statistics over a clip's segments, optional timbre statistics
(MFCC and deltas, mean and std) and whether the bundle's artist LDA is
applied. The text form is what the command line takes::

    dcnn:blocks=1-5,pool=max,stats=mean,+mfcc
    dcnn:model=msd-siamese-1000,blocks=5,pool=maxmean,seg=129+258+516,stats=meanstd,+lda
    mfcc

``blocks`` takes block numbers and ranges joined by ``+`` (``1-3+5``);
``seg`` takes segment lengths in the bundle's front-end frames joined by
``+`` (omitted: the bundle's own segment, 129 frames for the mel DCNN);
``+mfcc`` adds the timbre statistics and ``+lda`` the bundle's artist LDA;
``mfcc`` alone is the timbre baseline without a network. A preset name
(:data:`PRESETS`) stands for its spec. :meth:`FeatureSpec.parse` and
``str(spec)`` are each other's inverse.
"""
import re
from dataclasses import dataclass, replace

from mirex.errors import MirexError

__all__ = ["FeatureSpec", "SpecError", "PRESETS", "DEFAULT_PRESET", "POOLS", "STATS"]

POOLS = ("max", "mean", "maxmean")
STATS = ("mean", "meanstd")
MAX_BLOCKS = 32
_BUNDLE = re.compile(r"[^\s,](?:[^,\n\r]*[^\s,])?")


class SpecError(MirexError):
    """A feature spec's text or values are not valid."""


@dataclass(frozen=True)
class FeatureSpec:
    """A feature system (see the module docstring).

    Attributes
    ----------
    bundle : str or None
        Model bundle name or folder (None: the default bundle).
    blocks : tuple of int
        Network blocks whose pooled outputs are concatenated, ascending
        (empty: no network, timbre statistics only).
    pool : {'max', 'mean', 'maxmean'}
        Pooling of a block's output over the time steps of one segment.
    seg : tuple of int
        Segment lengths in front-end frames, ascending (empty: the bundle's own);
        several give a multi-scale feature.
    stats : {'mean', 'meanstd'}
        Statistics of the pooled outputs over a clip's segments.
    mfcc : bool
        Concatenate MFCC(20) and delta means and stds (80-d).
    lda : bool
        Apply the bundle's artist LDA to the song feature.
    """

    bundle: str | None = None
    blocks: tuple = (5,)
    pool: str = "max"
    seg: tuple = ()
    stats: str = "mean"
    mfcc: bool = False
    lda: bool = False

    def __post_init__(self):
        object.__setattr__(self, "blocks", tuple(sorted(set(self.blocks))))
        object.__setattr__(self, "seg", tuple(sorted(set(self.seg))))
        if self.bundle is not None and not _BUNDLE.fullmatch(self.bundle):
            raise SpecError(f"bundle {self.bundle!r}: a name or folder without commas, line breaks or "
                            "surrounding spaces")
        if any(not 1 <= b <= MAX_BLOCKS for b in self.blocks):
            raise SpecError(f"blocks must be numbers from 1 to {MAX_BLOCKS}, not {self.blocks}")
        if any(s < 1 for s in self.seg):
            raise SpecError(f"segment lengths must be at least 1 frame, not {self.seg}")
        if self.pool not in POOLS:
            raise SpecError(f"pool must be one of {', '.join(POOLS)}, not {self.pool!r}")
        if self.stats not in STATS:
            raise SpecError(f"stats must be one of {', '.join(STATS)}, not {self.stats!r}")
        if not self.blocks:
            if not self.mfcc:
                raise SpecError("a feature system needs network blocks, +mfcc, or both")
            if (self.bundle, self.pool, self.seg, self.stats, self.lda) != (None, "max", (), "mean", False):
                raise SpecError("the mfcc baseline takes no network options")

    @property
    def uses_network(self):
        """Whether the network computes part of the feature."""
        return bool(self.blocks)

    def with_bundle(self, bundle):
        """The same system on another bundle (no change for the network-free baseline)."""
        return replace(self, bundle=bundle) if self.uses_network else self

    @classmethod
    def parse(cls, text):
        """A spec from its text form or a preset name.

        Raises
        ------
        SpecError
            For unknown keys or values, with the offending part named.
        """
        if isinstance(text, cls):
            return text
        text = str(text).strip()
        if text in PRESETS:
            return PRESETS[text]
        kind, _, options = text.partition(":")
        if kind != "dcnn":
            raise SpecError(f"feature spec {text!r}: start with 'dcnn:' or name a preset "
                            f"({', '.join(PRESETS)})")
        values = {"mfcc": False, "lda": False}
        for part in filter(None, (p.strip() for p in options.split(","))):
            if part in ("+mfcc", "+lda"):
                values[part[1:]] = True
                continue
            key, eq, value = part.partition("=")
            if not eq or key not in _PARSERS:
                raise SpecError(f"feature spec {text!r}: unknown option {part!r} "
                                f"(options: {', '.join(f'{k}=' for k in _PARSERS)}, +mfcc, +lda)")
            try:
                values[_FIELD.get(key, key)] = _PARSERS[key](value)
            except ValueError:
                raise SpecError(f"feature spec {text!r}: bad value in {part!r}") from None
        return cls(**values)

    def __str__(self):
        if not self.uses_network:
            return "mfcc"
        parts = ([f"model={self.bundle}"] if self.bundle else []) + [
            f"blocks={_format_numbers(self.blocks)}", f"pool={self.pool}"]
        parts += [f"seg={'+'.join(map(str, self.seg))}"] if self.seg else []
        parts += [f"stats={self.stats}"] + ["+mfcc"] * self.mfcc + ["+lda"] * self.lda
        return "dcnn:" + ",".join(parts)


def _parse_numbers(text):
    """``'1-3+5'`` -> (1, 2, 3, 5)."""
    numbers = []
    for part in text.split("+"):
        low, dash, high = part.partition("-")
        low, high = int(low), int(high) if dash else int(low)
        if high < low:
            raise ValueError(part)
        numbers.extend(range(low, high + 1))
    return tuple(numbers)


def _format_numbers(numbers):
    """(1, 2, 3, 5) -> ``'1-3+5'`` (runs of consecutive numbers as ranges)."""
    runs, start = [], numbers[0]
    for previous, current in zip(numbers, numbers[1:] + (None,)):
        if current != previous + 1:
            runs.append(str(start) if start == previous else f"{start}-{previous}")
            start = current
    return "+".join(runs)


def _segments(text):
    return tuple(int(part) for part in text.split("+"))


def _word(text):
    if not text:
        raise ValueError(text)
    return text


_PARSERS = {"model": _word, "blocks": _parse_numbers, "pool": _word, "seg": _segments, "stats": _word}
_FIELD = {"model": "bundle"}

#: Named feature systems. ``paper`` is the 2017 submission (its artist LDA
#: applies when the bundle has one); the others aggregate every block.
PRESETS = {
    "paper": FeatureSpec(blocks=(5,), lda=True),
    "multilevel": FeatureSpec(blocks=(1, 2, 3, 4, 5)),
    "multiscale": FeatureSpec(blocks=(1, 2, 3, 4, 5), seg=(129, 258, 516)),
    "hybrid": FeatureSpec(blocks=(1, 2, 3, 4, 5), mfcc=True),
    "mfcc": FeatureSpec(blocks=(), mfcc=True),
}

#: The preset the scripts, ``mirex embed`` and the Python API use by default.
DEFAULT_PRESET = "hybrid"
