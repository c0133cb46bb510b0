"""The training report a bundle carries: ``report.json`` and its Markdown summary ``report.md``."""
from mirex.pretrain.splits import SPLITS

__all__ = ["markdown", "throughput"]


def throughput(history, *, train_segments):
    """Training segments per second of epoch time (validation included), over the epochs in ``history``."""
    seconds = sum(h.get("seconds", 0.0) for h in history)
    return train_segments * len(history) / seconds if seconds else None


def _scores(results):
    lines = []
    artists = {k: v for k, v in results.items() if k != "tags"}
    if artists:
        lines += ["| classifier | segment accuracy | song accuracy |", "|---|---|---|"]
        lines += [f"| {name} | {acc['segment']:.3f} | {acc['song']:.3f} |" for name, acc in artists.items()]
        lines += ["", "Songs are clips; a song's prediction averages its segments' scores. softmax: the artist "
                  "head; centroid: nearest artist centroid (cosine) of training songs."]
    if "tags" in results:
        auc = results["tags"]["macro"]
        lines += [f"Test ROC-AUC (clip level, mean over {results['tags']['tags']} tags with positive and "
                  f"negative test clips): {'n/a' if auc is None else f'{auc:.3f}'}."]
    return lines


def markdown(report):
    """The report as Markdown."""
    speed = report["segments_per_s"]
    lines = [f"# Pre-training report: {report['name']}", "",
             f"{report['arch']} network, {report['task']} task ({report['model']} model), "
             f"{report['classes']}; songs (clips) train/valid/test: "
             + " / ".join(f"{report['songs'][s]} ({report['clips'][s]})" for s in SPLITS) + ".",
             f"Epochs run: {report['epochs_run']} (best {report['best_epoch']}, validation loss "
             f"{report['best_val_loss']}){', stopped early' if report['stopped_early'] else ''}.", ""]
    lines += _scores(report["test_accuracy"])
    if report["chance"] is not None:
        lines.append(f"Chance (artists): {report['chance']:.3f}.")
    lines += ["", f"Wall time (this invocation): {report['wall_time_s']['total']:.0f} s (input cache "
              f"{report['wall_time_s']['mel_cache']:.0f} s, training {report['wall_time_s']['training']:.0f} s); "
              f"all epochs {report['epoch_time_s']:.0f} s"
              + (f", {speed:.1f} training segments/s" if speed else "")
              + f". Peak RSS {report['peak_rss_mb']:.0f} MB. Device: {report['device']}.", ""]
    return "\n".join(lines)
