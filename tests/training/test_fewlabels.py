"""The few-label reports. The CCVAE meets each baseline draw by draw, on the label draws both
have trained. The levers' grid chooses a setting on validation digits alone, by a rule fixed
before any other point than the protocol's own trained: the protocol's point stays unless
another reads the digits' labels more likely, digit by digit, by more than noise explains."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from training.config import LossWeights, TrainConfig
from training.experiment import sweep_configs
from training.fewlabels import (
    LEVERS_Z,
    TABLE_END,
    TABLE_START,
    comparison_table,
    levers_choice,
    levers_table,
    paired_t,
    paired_table,
    paired_z,
    write_comparison,
)
from training.tables import Row

PROTOCOL = TrainConfig(selection="last", loss=LossWeights(threshold=0.95, consistency=50.0))
OWN = "threshold=0.95, consistency=50, beta_c=None"
OTHER = "threshold=0.9, consistency=25, beta_c=0.1"
LATER = "threshold=0.95, consistency=25, beta_c=None"
NOISE = [random.Random(18 + i).gauss(0, 0.1) for i in range(100)]
"""Digit-by-digit differences between two points, mean 0: what a grid point's log q(y|x) varies
by around the protocol's own on the same 100 digits."""


def with_z(z: float) -> list[float]:
    """log q(y|x) of 100 validation digits that reads them `z` standard errors (paired) more
    likely than the protocol's own point, whose digits all read at log 0.9."""
    mean = sum(NOISE) / len(NOISE)
    d = [x - mean for x in NOISE]
    se = (sum(x * x for x in d) / 99) ** 0.5 / 10
    return [-0.105 + x + z * se for x in d]


def grid(z: dict[str, float], right: dict[str, int] | None = None,
         test_error: dict[str, float] | None = None) -> list[Row]:  # fmt: skip
    """The levers' rows, each point's one run `z[tag]` standard errors from the protocol's
    (0 where not given), reading `right[tag]` of its 100 validation digits right (97 where not
    given) and erring on `test_error[tag]` of the test set (2 % where not given)."""
    rows = []
    for tag, cfg in sweep_configs("levers", PROTOCOL):
        log_q = [-0.105] * 100 if tag == OWN else with_z(z.get(tag, 0.0))
        result = {
            "val_accuracy": (right or {}).get(tag, 97) / 100,
            "test_accuracy": 1 - (test_error or {}).get(tag, 0.02),
            "validation_log_q": log_q,
        }
        rows.append(Row(tag, cfg, [result], []))
    return rows


def test_the_protocols_own_point_is_the_grid_point_with_the_sweeps_base_settings():
    assert any(row.tag == OWN and row.cfg.loss == PROTOCOL.loss for row in grid({}))


def test_paired_z_is_the_mean_difference_in_standard_errors_and_zero_for_the_same_run():
    rows = {row.tag: row for row in grid({OTHER: 3.0})}
    assert paired_z(rows[OTHER], rows[OWN]) == pytest.approx(3.0)
    assert paired_z(rows[OWN], rows[OWN]) == 0.0


def test_the_protocol_stays_when_no_point_is_more_likely_by_the_rules_z():
    choice = levers_choice(PROTOCOL, grid({OTHER: LEVERS_Z - 0.1, LATER: 1.0}))
    assert choice.startswith(f"Chosen: the protocol's own point ({OWN}), validation NLL 0.1050")
    assert f"(the nearest: {OTHER}, z = {LEVERS_Z - 0.1:.2f})" in choice


def test_a_point_more_likely_by_the_rules_z_replaces_it():
    choice = levers_choice(PROTOCOL, grid({OTHER: LEVERS_Z + 0.1}))
    assert choice.startswith(f"Chosen: {OTHER}, validation NLL")
    assert f"z = {LEVERS_Z + 0.1:.2f}; it is trained on every draw next." in choice


def test_of_several_better_points_the_largest_z_wins_then_the_grids_order():
    assert levers_choice(PROTOCOL, grid({OTHER: 3.0, LATER: 4.0})).startswith(f"Chosen: {LATER}")
    assert levers_choice(PROTOCOL, grid({OTHER: 4.0, LATER: 4.0})).startswith(f"Chosen: {OTHER}")


def test_digits_right_choose_nothing_where_the_protocols_point_reads_nearly_all():
    rows = grid({OTHER: -1.0}, right={OWN: 97, OTHER: 100})
    assert levers_choice(PROTOCOL, rows).startswith(f"Chosen: the protocol's own point ({OWN})")


def test_the_test_set_chooses_nothing():
    other_far_better_on_test = grid({OTHER: 1.0}, test_error={OWN: 0.03, OTHER: 0.005})
    assert levers_choice(PROTOCOL, other_far_better_on_test).startswith(
        f"Chosen: the protocol's own point ({OWN})"
    )


def test_nothing_is_chosen_until_every_grid_point_is_in_with_its_validation_digits():
    rows = grid({})
    rows[0] = replace(rows[0], results=[])
    unmeasured = {k: v for k, v in rows[1].results[0].items() if k != "validation_log_q"}
    rows[1] = replace(rows[1], results=[unmeasured])  # a run measured before the rule needed it
    assert levers_choice(PROTOCOL, rows) == (
        f"No setting is chosen until every grid point is in (6 of {len(rows)})."
    )
    table = levers_table(PROTOCOL, rows)
    assert f"| {rows[0].tag} | – | – | – |" in table
    assert f"| {OWN} | 97 of 100 | 0.1050 | 0.00 | 2.00 |" in table


def budget(kind: str, errors: dict[int, float], labels: int = 100) -> Row:
    """A fewlabels row: `kind` at `labels`, its draws erring on `errors[draw]` of the test set."""
    cfg = TrainConfig(model_kind=kind, labels=labels, selection="last")
    results = [{"test_accuracy": 1 - e, "intervention_fidelity": 0.97, "generation_fidelity": 0.99}
               for e in errors.values()]  # fmt: skip
    return Row(kind, cfg, results, [], list(errors))


def test_each_baseline_meets_the_ccvae_on_the_draws_both_have_trained_in_the_draws_order():
    rows = [
        budget("ccvae", {0: 0.0256, 1: 0.0123, 2: 0.0150}),
        budget("cvae", {2: 0.0221, 0: 0.0265}),  # finished in another order
        budget("m2", {}),
        budget("cvae", {0: 0.01}, labels=1000),  # no CCVAE run at 1,000 labels: no line
    ]
    table = paired_table(rows)
    assert "| cvae | 100 | 0, 2 | 0.40 ± 0.44 | +0.09, +0.71 | 1.3 (1) | 0.0 ± 0.0 |" in table
    assert "| m2 | 100 | none yet | – | – | – | – | – |" in table
    assert "| 1000 |" not in table


def test_the_paired_t_is_the_mean_difference_over_its_standard_error_on_draws_less_one():
    # the CVAE against the CCVAE at 1,000 labels: +0.18, +0.31, +0.22 points
    assert paired_t([0.0018, 0.0031, 0.0022]) == "6.2 (2)"
    assert paired_t([-0.0018, -0.0031, -0.0022]) == "-6.2 (2)"
    assert paired_t([0.0018]) == "–"  # one draw has no spread to measure against
    assert paired_t([0.002, 0.002]) == "–"


def test_the_comparison_gives_each_model_its_mean_over_draws_and_names_draws_while_few():
    rows = [
        budget("ccvae", {0: 0.0256, 1: 0.0123, 2: 0.0150}),
        budget("ccvae", {1: 0.01, 0: 0.02}, labels=1000),
        budget("cvae", {0: 0.0265}),
        budget("m2", {}),
    ]
    table = comparison_table(rows)
    assert "| CCVAE, this project (z_c 64, FixMatch pair) | 1.76 ± 0.70 | – | " in table
    assert "| – | 1.50 ± 0.71 (draws 0, 1 only) | – |" in table
    assert "| CVAE, this project, same protocol | 2.65 (draw 0 only) | – | – | – |" in table
    assert "| M2, this project, same protocol | – | – | – | – |" in table
    assert "| M1+M2 (Kingma et al., 2014) | 3.33 ± 0.14 | 2.59 | 2.40 | 2.18 | none |" in table


def test_the_comparison_is_written_between_its_markers_and_the_prose_is_left_as_it_was(tmp_path):
    page = tmp_path / "comparison.md"
    page.write_text(f"# Prose\n\n{TABLE_START} -->\n| old |\n\n{TABLE_END}\n\nMore prose.\n")
    write_comparison(page, [budget("cvae", {0: 0.0265})])
    text = page.read_text()
    assert text.startswith(f"# Prose\n\n{TABLE_START} -->\n\n| method |")
    assert "| old |" not in text and "2.65 (draw 0 only)" in text
    assert text.endswith(f"|\n\n{TABLE_END}\n\nMore prose.\n")
    write_comparison(page, [budget("cvae", {0: 0.0265})])
    assert page.read_text() == text  # written again, the same page
    unmarked = tmp_path / "other.md"
    unmarked.write_text("no markers\n")
    write_comparison(unmarked, [])
    assert unmarked.read_text() == "no markers\n"
