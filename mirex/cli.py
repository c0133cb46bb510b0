"""The ``mirex`` command line: argument handling only; the work is done elsewhere.

User errors (:class:`mirex.errors.MirexError`) print one line on stderr and
exit with status 2. Messages go through the ``mirex`` logger (:mod:`mirex.log`),
so a closed or broken stderr never changes a run's outcome.
"""
import argparse

from mirex import features
from mirex.errors import MirexError
from mirex.nets import ARCHS
from mirex.evaluate import command as evaluate_command
from mirex.extract import add_jobs_argument
from mirex.tasks import classify
from mirex.log import configure, logger

__all__ = ["main", "build_parser"]


def _feature_options(parser, *, for_test=False):
    features.add_arguments(parser, default=not for_test)
    add_jobs_argument(parser)
    parser.add_argument("--cache", dest="cache_dir", metavar="DIR", help="feature cache folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _scheduler_options(parser):
    group = parser.add_argument_group("Dask (optional: pip install -e '.[dask]')")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="compute on a Dask cluster: tcp://HOST:PORT of a running scheduler, or 'local' for "
                            "worker processes on this machine (embed: results go by the chunk to OUT's .chunks "
                            "folder and a re-run resumes there; pretrain: the log-mel cache)")
    group.add_argument("--workers", type=_positive, metavar="N",
                       help="worker processes of --scheduler local (default: all cores)")
    group.add_argument("--chunk-size", type=_positive, metavar="N", help="list lines per Dask task (default: 256)")


def _check_scheduler_options(args):
    if args.workers and args.scheduler != "local":
        raise MirexError("--workers is the size of a local cluster: give it with --scheduler local")
    if args.chunk_size and not args.scheduler:
        raise MirexError("--chunk-size applies to Dask tasks: give it with --scheduler")


def _cluster(args):
    """The Dask settings of parsed arguments, or None without --scheduler."""
    _check_scheduler_options(args)
    if not args.scheduler:
        return None
    return {"scheduler": args.scheduler, "workers": args.workers, **({"chunk_size": args.chunk_size} if args.chunk_size else {})}


def _train(args):
    from mirex.protocol import train

    record = train(scratch=args.scratch, train_list=args.train_list,
                   spec=features.resolve_spec(features=args.features, model=args.model), task_lda=args.task_lda,
                   n_jobs=args.n_jobs, cache_dir=args.cache_dir, progress=not args.quiet)
    logger.info(f"trained on {record.n_train} files ({record.skipped} skipped), {len(record.labels)} labels, "
                f"features {record.spec}: {record.describe()}")


def _test(args):
    from mirex.protocol import test

    rows = test(scratch=args.scratch, test_list=args.test_list, output=args.output, spec=args.features,
                model=args.model, n_jobs=args.n_jobs, cache_dir=args.cache_dir, progress=not args.quiet)
    logger.info(f"wrote {len(rows)} predictions to {args.output}")


def _embed(args):
    from mirex.protocol import embed

    _check_scheduler_options(args)
    values = embed(list_file=args.list, out=args.out,
                   spec=features.resolve_spec(features=args.features, model=args.model), n_jobs=args.n_jobs,
                   cache_dir=args.cache_dir, progress=not args.quiet, scheduler=args.scheduler,
                   workers=args.workers, chunk_size=args.chunk_size)
    logger.info(f"wrote {values.shape[0]} x {values.shape[1]} features to {args.out}")


def _import_keras2(args):
    from mirex.bundle import import_keras2

    bundle = import_keras2(args.h5, name=args.name, n_artists=args.artists)
    logger.info(f"imported {args.h5} as {bundle.path}")


def _pretrain(args):
    from mirex.pretrain import pretrain

    pretrain(artist_list=args.artist_list, out=args.out, arch=args.arch, task=args.task, model=args.model,
             epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, patience=args.patience, seed=args.seed,
             loss_weights=args.loss_weights, mixed_precision=args.mixed_precision or None, resume=args.resume,
             n_jobs=args.n_jobs, progress=not args.quiet, cluster=_cluster(args))


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
    from mirex.bundle import default_model, load_bundle, models_dir

    folder = models_dir()
    names = sorted(p.name for p in folder.iterdir() if (p / "manifest.json").is_file()) if folder.is_dir() else []
    for name in names:
        bundle = load_bundle(name)
        mark = "*" if name == default_model() else " "
        print(f"{mark} {name}\tartists={bundle.manifest.get('n_artists')}\tlda={'yes' if bundle.has_lda else 'no'}"
              f"\tsource={bundle.manifest.get('source')}")
    if not names:
        logger.warning(f"no bundles in {folder} (run `make models`)")


def build_parser():
    """The argument parser with all subcommands."""
    parser = argparse.ArgumentParser(prog="mirex", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="MIREX train call: learn TRAINLIST, keep the classifier in SCRATCH")
    p.add_argument("scratch", metavar="SCRATCH")
    p.add_argument("train_list", metavar="TRAINLIST", help="lines 'path<TAB>label'")
    _feature_options(p)
    classify.add_arguments(p)
    p.set_defaults(func=_train)

    p = sub.add_parser("test", help="MIREX test call: label TESTLIST into OUTPUT")
    p.add_argument("scratch", metavar="SCRATCH")
    p.add_argument("test_list", metavar="TESTLIST", help="lines 'path'")
    p.add_argument("output", metavar="OUTPUT", help="written as 'path<TAB>label'")
    _feature_options(p, for_test=True)
    p.set_defaults(func=_test)

    p = sub.add_parser("embed", help="write song features of a list to a .npy file, in list order")
    p.add_argument("list", metavar="LIST", help="a path list or a train list (extra columns ignored)")
    p.add_argument("--out", required=True, metavar="FILE.npy")
    _feature_options(p)
    _scheduler_options(p)
    p.set_defaults(func=_embed)

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
    p.add_argument("--task", choices=("artist", "tags", "joint"), help="what it learns (default: artist)")
    p.add_argument("--model", choices=("plain", "siamese"), help="training head; siamese: dcnn on artists only "
                   "(default: plain)")
    p.add_argument("--loss-weights", type=_loss_weights, metavar="A,B,T",
                   help="joint task: loss weights of the artist, album and track heads (default: 1,0.5,0.5)")
    p.add_argument("--mixed-precision", action="store_true", help="float16 compute on a CUDA device")
    p.add_argument("--out", required=True, metavar="NAME", help="bundle name (run state in NAME.training/)")
    p.add_argument("--epochs", type=int, help="last epoch (default: 50)")
    p.add_argument("--batch-size", type=int, help="items per batch (default: 32)")
    p.add_argument("--lr", type=float, help="initial SGD learning rate (default: 0.1)")
    p.add_argument("--patience", type=int, help="epochs without better validation loss before stopping (default: 5)")
    p.add_argument("--seed", type=int, help="seed of the split, initialisation and crops (default: 0)")
    p.add_argument("--resume", action="store_true", help="continue NAME.training/ from its last checkpoint")
    add_jobs_argument(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    _scheduler_options(p)
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

    p = sub.add_parser("fetch-models", help="import the published MSD models (pinned, checksummed)")
    p.add_argument("--from", dest="source_dir", metavar="DIR", help="folder with local copies of the .h5 files")
    p.add_argument("--force", action="store_true", help="re-import existing bundles")
    p.set_defaults(func=_fetch_models)

    p = sub.add_parser("evaluate", help="MIREX-style cross-validation of systems on a dataset list")
    evaluate_command.add_arguments(p)
    p.set_defaults(func=evaluate_command.main)

    p = sub.add_parser("models", help="list the installed bundles (* = default)")
    p.set_defaults(func=_models)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    configure(quiet=getattr(args, "quiet", False))
    try:
        args.func(args)
    except MirexError as exc:
        logger.error(str(exc))  # never raises: a lost message must not change the status
        return 2
    except KeyboardInterrupt:
        logger.error("interrupted")
        return 130
    return 0
