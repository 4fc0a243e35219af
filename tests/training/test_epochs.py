"""A run's per-epoch records: written one line an epoch, read back in order, and what the
few-label table reads from them to say whether a run had stopped learning."""

import pytest

from training.epochs import METRICS, append_epoch, epoch_seconds, last_fall, read_epochs


def write_run(out, losses, **last):
    for epoch, loss in enumerate(losses, 1):
        extra = last if epoch == len(losses) else {}
        append_epoch(out, {"epoch": epoch, "seconds": 60.0 + epoch, "loss": loss, **extra})
    return out / METRICS


def test_epochs_are_read_back_in_the_order_they_were_appended(tmp_path):
    path = write_run(tmp_path, [300.0, 250.0, 240.0])
    assert [e["epoch"] for e in read_epochs(path)] == [1, 2, 3]
    assert [e["loss"] for e in read_epochs(path)] == [300.0, 250.0, 240.0]


def test_epoch_seconds_give_the_mean_and_the_least_disturbed_epoch(tmp_path):
    path = write_run(tmp_path, [300.0, 250.0, 240.0])
    assert epoch_seconds(path) == {"seconds_per_epoch": 62.0, "seconds_per_epoch_min": 61.0}


def test_the_last_fall_is_relative_to_the_last_epoch_over_the_window(tmp_path):
    losses = [400.0] + [210.0] * 5 + [205.0]  # 7 epochs; 3 epochs back the objective was 210
    path = write_run(tmp_path, losses, pseudo_share=0.97)
    fall = last_fall(path, window=3)
    assert fall["objective_fall"] == pytest.approx(5 / 205)
    assert fall["pseudo_share"] == 0.97


def test_a_run_shorter_than_the_window_or_without_pseudo_labels_has_no_figure(tmp_path):
    path = write_run(tmp_path, [300.0, 250.0])
    assert last_fall(path, window=10) == {"objective_fall": None, "pseudo_share": None}
