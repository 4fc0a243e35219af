"""The levers' grid chooses a setting on validation digits alone, by a rule fixed before it ran:
the protocol's own point stays unless another reads clearly more of them right."""

from __future__ import annotations

from dataclasses import replace

from training.config import LossWeights, TrainConfig
from training.experiment import sweep_configs
from training.fewlabels import LEVERS_MARGIN, levers_choice, levers_table
from training.tables import Row

PROTOCOL = TrainConfig(selection="last", loss=LossWeights(threshold=0.95, consistency=50.0))


def grid(right: dict[str, int], test_error: dict[str, float] | None = None) -> list[Row]:
    """The levers' rows, each point's one run reading `right[tag]` of its 100 validation digits
    (85 where not given) and erring on `test_error[tag]` of the test set (2 % where not given)."""
    rows = []
    for tag, cfg in sweep_configs("levers", PROTOCOL):
        error = (test_error or {}).get(tag, 0.02)
        result = {"val_accuracy": right.get(tag, 85) / 100, "test_accuracy": 1 - error}
        rows.append(Row(tag, cfg, [result], []))
    return rows


OWN = "threshold=0.95, consistency=50, beta_c=None"
OTHER = "threshold=0.9, consistency=25, beta_c=0.1"
LATER = "threshold=0.95, consistency=25, beta_c=None"


def test_the_protocols_own_point_is_the_grid_point_with_the_sweeps_base_settings():
    assert any(row.tag == OWN and row.cfg.loss == PROTOCOL.loss for row in grid({}))


def test_the_protocol_stays_when_no_point_reads_the_margin_more_digits_right():
    choice = levers_choice(PROTOCOL, grid({OWN: 97, OTHER: 97 + LEVERS_MARGIN - 1}))
    assert choice.startswith(f"Chosen: the protocol's own point ({OWN}), 97 validation digits")


def test_a_point_that_reads_the_margin_more_digits_right_replaces_it():
    choice = levers_choice(PROTOCOL, grid({OWN: 96, OTHER: 96 + LEVERS_MARGIN}))
    assert choice.startswith(f"Chosen: {OTHER}, {96 + LEVERS_MARGIN} validation digits right")


def test_of_several_better_points_the_most_digits_win_then_the_grids_order():
    assert levers_choice(PROTOCOL, grid({OWN: 95, OTHER: 98, LATER: 99})).startswith(
        f"Chosen: {LATER}"
    )
    assert levers_choice(PROTOCOL, grid({OWN: 95, OTHER: 99, LATER: 99})).startswith(
        f"Chosen: {OTHER}"
    )


def test_the_test_set_chooses_nothing():
    right = {OWN: 97, OTHER: 98}
    other_far_better_on_test = grid(right, test_error={OWN: 0.03, OTHER: 0.005})
    assert levers_choice(PROTOCOL, other_far_better_on_test).startswith(
        f"Chosen: the protocol's own point ({OWN})"
    )


def test_nothing_is_chosen_until_every_grid_point_is_in():
    rows = grid({OWN: 99})
    rows[0] = replace(rows[0], results=[])
    assert levers_choice(PROTOCOL, rows) == (
        f"No setting is chosen until every grid point is in (7 of {len(rows)})."
    )
    assert "| – |" in levers_table(rows)


def test_a_protocol_point_near_every_digit_right_cannot_be_replaced_and_says_so():
    choice = levers_choice(PROTOCOL, grid({OWN: 99, OTHER: 100}))
    assert choice == (
        f"Chosen: the protocol's own point ({OWN}), 99 validation digits right; "
        f"of 100 digits, no other point could read {LEVERS_MARGIN} more right."
    )
