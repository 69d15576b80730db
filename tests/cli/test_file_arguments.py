"""A command given an empty path for its file says so, rather than reporting on the current folder."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "command",
    [
        ["backup"],
        ["restore", "--yes"],
        ["plans", "import"],
        ["themes", "install"],
        ["responses", "import", "live-feedback"],
        ["subject-access", "--email", "a@example.org"],
    ],
)
@pytest.mark.parametrize("path", ["", "  "])
def test_an_empty_path_is_refused_by_name_and_writes_nothing(runner, tmp_path, monkeypatch, command, path):
    here = tmp_path / "here"  # not tmp_path, which holds the test's database
    here.mkdir()
    monkeypatch.chdir(here)
    result = runner.invoke(args=[*command, path])
    assert result.exit_code == 2 and "it is empty: give the path of a file." in result.output, result.output
    assert list(here.iterdir()) == []
