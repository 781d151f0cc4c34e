"""scripts/calibrate_spm.py --set values are typed like the key they override."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "calibrate_spm.py"


def load():
    spec = importlib.util.spec_from_file_location("calibrate_spm", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_set_values_are_parsed_as_numbers_and_booleans():
    parse = load().parse_value
    assert parse("1e-3", 1.0) == pytest.approx(1e-3) and isinstance(parse("1e-3", 1.0), float)  # YAML: a string
    assert parse("0.05", 0.01) == 0.05
    assert parse("16", 32) == 16 and isinstance(parse("16", 32), int)
    assert parse("false", True) is False
    with pytest.raises(SystemExit):
        parse("abc", 1.0)


def test_grid_is_the_typed_cartesian_product_with_ties():
    spm = {"lambda_edge": 1.0, "tau_w": 0.05, "new_edge_scale": 0.05, "max_relays_per_check": 16}
    points = load().grid_points(spm, ["lambda_edge=1e-3,1", "tau_w=0.01,0.05"], ["new_edge_scale=tau_w"])
    assert len(points) == 4
    assert {(p["lambda_edge"], p["tau_w"]) for p in points} == {(1e-3, 0.01), (1e-3, 0.05), (1.0, 0.01), (1.0, 0.05)}
    assert all(p["new_edge_scale"] == p["tau_w"] for p in points)
    with pytest.raises(SystemExit, match="unknown spm key"):
        load().grid_points(spm, ["lambda=1"], [])
    with pytest.raises(SystemExit, match="--tie"):
        load().grid_points(spm, ["lambda_edge=1"], ["new_edge_scale=tau_w"])


def _table(rows):
    import pandas as pd

    return pd.DataFrame([{"point": p, "seed": s, "late_reward": r, "hidden": h, "edges": 100,
                          "dropped_no_free_slot": m} for p, s, r, h, m in rows])


def test_selection_takes_the_feasible_point_closest_to_30_hidden_nodes():
    select = load().select
    table = _table([
        ("a", 0, 500, 20, 0), ("a", 1, 500, 20, 0),   # feasible, 10 from the centre
        ("b", 0, 495, 33, 0), ("b", 1, 493, 31, 0),   # feasible, 2 from the centre: the winner
        ("c", 0, 500, 30, 0), ("c", 1, 480, 30, 0),   # on the centre, but mean late reward 490 < 492
        ("d", 0, 500, 30, 3), ("d", 1, 500, 30, 0),   # on the centre, but a capacity miss
        ("e", 0, 500, 41, 0), ("e", 1, 500, 41, 0),   # above 40
    ])
    ranked, met = select(table)
    assert met and ranked.index[0] == "b"
    assert set(ranked.index[ranked["feasible"]]) == {"a", "b"}


def test_selection_without_a_feasible_point_takes_the_smallest_distance_and_says_so():
    select = load().select
    table = _table([("far", 0, 400, 30, 0), ("near", 0, 490, 44, 0), ("big", 0, 500, 60, 0)])
    ranked, met = select(table)
    # distances: far (492-400)/8 = 11.5; near (44-40)/10 + 2/8 = 0.65; big (60-40)/10 = 2
    assert not met and list(ranked.index) == ["near", "big", "far"]
