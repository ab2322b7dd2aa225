"""YAML anchors and merge keys in scenario files."""

import pytest

from mfcsim.errors import ScenarioError
from mfcsim.scenario.reader import read_yaml


def test_merge_key_copies_the_anchor_and_local_keys_win(tmp_path):
    """`<<: *anchor` brings the anchored mapping in; keys written beside it override it."""
    path = tmp_path / "s.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n")
    data, lines = read_yaml(path)
    assert data["c"] == {"x": 1, "y": 3}
    assert lines[("c", "y")] == (str(path), 4)


def test_merge_key_of_a_scalar_is_an_error_with_its_line(tmp_path):
    """A merge key must take a mapping; anything else is reported at its line."""
    path = tmp_path / "s.yaml"
    path.write_text("a: 1\nc:\n  <<: 5\n")
    with pytest.raises(ScenarioError, match="merge key") as err:
        read_yaml(path)
    assert err.value.line == 3
