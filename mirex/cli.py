"""The ``mirex`` command line: argument handling only; the work is done elsewhere.

User errors (:class:`mirex.errors.MirexError`) print one line on stderr and
exit with status 2. Messages go through the ``mirex`` logger (:mod:`mirex.log`),
so a closed or broken stderr never changes a run's outcome.
"""
import argparse

import mirex
from mirex import features
from mirex.cluster import Cluster
from mirex.errors import MirexError
from mirex.nets import ARCHS
from mirex.nets.projection import OBJECTIVES as LOSSES
from mirex.evaluate import command as evaluate_command
from mirex.extract import add_device_argument, add_jobs_argument
from mirex.tasks import classify, combine
from mirex.log import logger, run_command

__all__ = ["main", "build_parser"]


def _feature_options(parser, *, for_test=False):
    features.add_arguments(parser, default=not for_test)
    add_jobs_argument(parser)
    add_device_argument(parser)
    parser.add_argument("--cache", dest="cache_dir", metavar="DIR", help="feature cache folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _train(args):
    from mirex.protocol import train

    record = train(scratch=args.scratch, train_list=args.train_list,
                   spec=features.resolve_spec(features=args.features, model=args.model), task_lda=args.task_lda,
                   use_segments=args.use_segments, ivector=combine.options_from(args), n_jobs=args.n_jobs,
                   cache_dir=args.cache_dir, progress=not args.quiet, device=args.device, task=args.task)
    what = f"{len(record.tags)} tags" if record.task == "tag" else f"{len(record.labels)} labels"
    logger.info(f"trained on {record.n_train} files ({record.skipped} skipped), {what}, "
                f"features {record.spec}: {record.describe()}")


def _test(args):
    from mirex.protocol import test

    rows = test(scratch=args.scratch, test_list=args.test_list, output=args.output, binary=args.binary,
                spec=args.features, model=args.model, n_jobs=args.n_jobs, cache_dir=args.cache_dir,
                progress=not args.quiet, device=args.device)
    logger.info(f"wrote {len(rows)} predictions to {args.output}" + (f" and {args.binary}" if args.binary else ""))


def _similarity(args):
    from mirex.protocol import similarity

    if args.concept:
        from mirex.features.head import head_spec

        if args.features:
            raise MirexError("--concept computes the features its bundle's head takes: leave out --features")
        spec = head_spec(args.model)
    else:
        spec = features.resolve_spec(features=args.features, model=args.model)
    n = similarity(list_file=args.list, out=args.out, spec=spec, fmt=args.format, top=args.top, n_jobs=args.n_jobs,
                   cache_dir=args.cache_dir, progress=not args.quiet, device=args.device, concept=args.concept)
    logger.info(f"wrote the {args.format} distance matrix of {n} files to {args.out}")


def _embed(args):
    from mirex.embed import embed

    values = embed(list_file=args.list, out=args.out,
                   spec=features.resolve_spec(features=args.features, model=args.model), n_jobs=args.n_jobs,
                   cache_dir=args.cache_dir, progress=not args.quiet, cluster=Cluster.from_args(args),
                   device=args.device)
    logger.info(f"wrote {values.shape[0]} x {values.shape[1]} features to {args.out}")


def _import_keras2(args):
    from mirex.keras2 import import_keras2

    bundle = import_keras2(args.h5, name=args.name, n_artists=args.artists)
    logger.info(f"imported {args.h5} as {bundle.path}")


def _pretrain(args):
    from mirex.pretrain import pretrain

    common = dict(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, patience=args.patience,
                  seed=args.seed, loss=args.loss, n_jobs=args.n_jobs, progress=not args.quiet)
    if args.head:
        from mirex.pretrain.head import train_head

        network_only = dict(arch=args.arch, model=args.model, loss_weights=args.loss_weights,
                            mixed_precision=args.mixed_precision or None, resume=args.resume or None,
                            cluster=Cluster.from_args(args))
        given = [name for name, value in network_only.items() if value is not None]
        if given:
            raise MirexError(f"--head trains on frozen features: {', '.join(given)} not applicable")
        bundle = train_head(head_list=args.artist_list, base=args.head, out=args.out, task=args.task,
                            concepts=args.concepts, tracks=args.tracks, **common)
        logger.info(f"wrote {bundle.path}")
        return
    if args.tracks:
        raise MirexError("--tracks is for --head runs (their batches hold segments of the same tracks)")
    pretrain(artist_list=args.artist_list, out=args.out, arch=args.arch, task=args.task, model=args.model,
             loss_weights=args.loss_weights, mixed_precision=args.mixed_precision or None, concepts=args.concepts,
             resume=args.resume, cluster=Cluster.from_args(args), **common)


def _loss_weights(text):
    from mirex.pretrain.tasks import parse_loss_weights

    try:
        return parse_loss_weights(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _fit_lda(args):
    from mirex.pretrain import fit_bundle_lda

    bundle = fit_bundle_lda(model=args.name, artist_list=args.artist_list, out=args.out,
                            n_components=args.components, n_jobs=args.n_jobs, cache_dir=args.cache_dir,
                            progress=not args.quiet)
    logger.info(f"fitted a {bundle.manifest['lda']['components']}-d LDA on {bundle.manifest['lda']['songs']} songs "
                f"of {bundle.manifest['lda']['artists']} artists into {bundle.path}")


def _fetch_models(args):
    from mirex.published import fetch_models

    fetch_models(source_dir=args.source_dir, force=args.force)


def _models(args):
    from mirex.bundle import bundle_names, default_model, load_bundle

    for name, folder in bundle_names().items():
        bundle = load_bundle(str(folder))
        mark = "*" if name == default_model() else " "
        print(f"{mark} {name}\tartists={bundle.manifest.get('n_artists')}\tlda={'yes' if bundle.has_lda else 'no'}"
              f"\tsource={bundle.manifest.get('source')}\tfolder={folder}")


def build_parser():
    """The argument parser with all subcommands."""
    parser = argparse.ArgumentParser(prog="mirex", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {mirex.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="MIREX train call: learn TRAINLIST, keep the classifier in SCRATCH")
    p.add_argument("scratch", metavar="SCRATCH")
    p.add_argument("train_list", metavar="TRAINLIST", help="lines 'path<TAB>label' (or 'path<TAB>tag', one per pair)")
    p.add_argument("--task", choices=("classify", "tag"),
                   help="default: tag when a quarter or more of the paths carry two or more labels, else classify")
    _feature_options(p)
    classify.add_arguments(p)
    combine.add_arguments(p)
    p.set_defaults(func=_train)

    p = sub.add_parser("test", help="MIREX test call: label TESTLIST into OUTPUT (tags: AFFINITY_OUT BINARY_OUT)")
    p.add_argument("scratch", metavar="SCRATCH")
    p.add_argument("test_list", metavar="TESTLIST", help="lines 'path'")
    p.add_argument("output", metavar="OUTPUT", help="written as 'path<TAB>label' (a tag model: AFFINITY_OUT, "
                                                    "'path<TAB>tag<TAB>score')")
    p.add_argument("binary", metavar="BINARY_OUT", nargs="?", help="a tag model's 'path<TAB>tag<TAB>1|0'")
    _feature_options(p, for_test=True)
    p.set_defaults(func=_test)

    p = sub.add_parser("embed", help="write song features of a list to a .npy file, in list order")
    p.add_argument("list", metavar="LIST", help="a path list or a train list (extra columns ignored)")
    p.add_argument("--out", required=True, metavar="FILE.npy")
    _feature_options(p)
    Cluster.add_arguments(p)
    p.set_defaults(func=_embed)

    p = sub.add_parser("similarity", help="write the MIREX distance matrix of a list of files")
    p.add_argument("list", metavar="LIST", help="one path per line (extra columns ignored)")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--format", choices=("full", "sparse"), default="full", help="default: full")
    p.add_argument("--top", type=int, default=100, metavar="K",
                   help="nearest files per query in the sparse format (default: 100)")
    p.add_argument("--concept", metavar="NAME", help="distances in one concept's sub-space of the --model "
                   "bundle's embedding head (on the features the head takes)")
    _feature_options(p)
    p.set_defaults(func=_similarity)

    p = sub.add_parser("import-keras2", help="import a Keras 2 HDF5 artist model as a bundle")
    p.add_argument("h5", metavar="FILE.h5")
    p.add_argument("--name", required=True, help="bundle name (folder under models/)")
    p.add_argument("--artists", type=int, help="number of training artists (default: from the file)")
    p.set_defaults(func=_import_keras2)

    p = sub.add_parser("pretrain", help="train a network (artists, tags, or artist+album+track) into a bundle "
                                        "(with LDA and report)")
    p.add_argument("artist_list", metavar="LIST", help="artist task: lines 'path<TAB>artist[<TAB>song]'; tags: "
                   "'path<TAB>tag' (a path on one line per tag); joint: 'path<TAB>artist<TAB>album'")
    p.add_argument("--arch", choices=tuple(ARCHS), help="network: dcnn (log-mel), samplecnn or resse (waveform) "
                   "(default: dcnn)")
    p.add_argument("--task", choices=("artist", "tags", "joint"), help="what it learns (default: artist; --head: tags)")
    p.add_argument("--model", choices=("plain", "siamese"), help="training head; siamese: dcnn on artists only "
                   "(default: plain)")
    p.add_argument("--loss-weights", type=_loss_weights, metavar="A,B,T",
                   help="joint task: loss weights of the artist, album and track heads (default: 1,0.5,0.5)")
    p.add_argument("--mixed-precision", action="store_true", help="float16 compute on a CUDA device")
    p.add_argument("--loss", choices=LOSSES, help="objective: the task's classification heads, a triplet loss "
                   "with semi-hard mining, or Proxy-NCA (default: classification)")
    p.add_argument("--concepts", metavar="TABLE", help="tags task: lines 'tag<TAB>concept'; one embedding "
                   "sub-space per concept, trained on its tags only")
    p.add_argument("--head", metavar="BUNDLE", help="train only an embedding head on BUNDLE's frozen features; "
                   "NAME gets BUNDLE's network and the head")
    p.add_argument("--tracks", action="store_true", help="with --head and the triplet loss: a track sub-space "
                   "(segments of one track as its positives)")
    p.add_argument("--out", required=True, metavar="NAME", help="bundle name (run state in NAME.training/)")
    p.add_argument("--epochs", type=int, help="last epoch (default: 50; --head: 40)")
    p.add_argument("--batch-size", type=int, help="items per batch (default: 32; --head: 64 segments)")
    p.add_argument("--lr", type=float, help="initial learning rate (default: SGD 0.1; --head: Adam 0.001)")
    p.add_argument("--patience", type=int, help="epochs without better validation loss before stopping "
                   "(default: 5; --head: 8)")
    p.add_argument("--seed", type=int, help="seed of the split, initialisation and crops (default: 0)")
    p.add_argument("--resume", action="store_true", help="continue NAME.training/ from its last checkpoint")
    add_jobs_argument(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    Cluster.add_arguments(p)
    p.set_defaults(func=_pretrain)

    p = sub.add_parser("fit-lda", help="fit (or refit) a bundle's LDA on an artist list")
    p.add_argument("name", metavar="NAME", help="bundle name or folder")
    p.add_argument("artist_list", metavar="ARTIST_LIST", help="lines 'path<TAB>artist[<TAB>song]'")
    p.add_argument("--out", metavar="NEWNAME", help="write a new bundle instead of replacing NAME's LDA")
    p.add_argument("--components", type=int, help="LDA dimensions (default and maximum: min(100, artists - 1))")
    add_jobs_argument(p)
    p.add_argument("--cache", dest="cache_dir", metavar="DIR", help="feature cache folder (default: features/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_fit_lda)

    p = sub.add_parser("fetch-models", help="import the published MSD models again (pinned, checksummed) and "
                                            "compare them with the bundles shipped with the package")
    p.add_argument("--from", dest="source_dir", metavar="DIR", help="folder with local copies of the .h5 files")
    p.add_argument("--force", action="store_true", help="re-import existing bundles")
    p.set_defaults(func=_fetch_models)

    p = sub.add_parser("evaluate", help="MIREX-style cross-validation of systems on a dataset list")
    evaluate_command.add_arguments(p)
    p.set_defaults(func=evaluate_command.main)

    p = sub.add_parser("models", help="list the bundles found and their folders (* = default)")
    p.set_defaults(func=_models)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    return run_command(lambda: args.func(args), quiet=getattr(args, "quiet", False))
