"""`flask themes install`: the lexicon that ships, and an area's own file, checked as the theme's page
checks a theme; a file with any bad row installs nothing and says which rows."""

from __future__ import annotations

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Theme
from feedback.services import themes


def _themes(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Theme.slug, Theme.name)).all())


def test_the_shipped_lexicon_installs_once_and_an_area_s_file_adds_to_it(app, runner, tmp_path):
    first = runner.invoke(args=["themes", "install"])
    shipped = len(themes.LEXICON_FILE.read_text(encoding="utf-8").splitlines()) - 1
    assert first.exit_code == 0 and f"Added {shipped} themes" in first.output, first.output
    assert "Added 0 themes" in runner.invoke(args=["themes", "install"]).output
    area = tmp_path / "area.csv"
    area.write_text("slug,name,keywords\nwaiting-times,Waits,wait\nportage,Port\x00age,portage;home visit\n")
    added = runner.invoke(args=["themes", "install", str(area)])
    assert "Added 1 theme;" in added.output, added.output
    installed = _themes(app)
    assert installed["portage"] == "Portage" and installed["waiting-times"] == "Waiting times"  # kept


def test_a_file_with_bad_rows_installs_nothing_and_names_each_row(app, runner, tmp_path):
    runner.invoke(args=["themes", "install"])
    before = _themes(app)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "slug,name,keywords\n"
        "portage,Portage,portage\n"  # row 2: good, but not installed with the rest
        "Key Workers,Key workers,key worker\n"  # row 3
        "portage,Home visits,home visit\n"  # row 4
        "delays,Waiting Times,delay\n"  # row 5: another theme's name, in other case
        f"long,{'n' * 121},x\n"  # row 6
        "empty,Empty,;\n"  # row 7
    )
    result = runner.invoke(args=["themes", "install", str(bad)])
    assert result.exit_code == 1
    assert f"Nothing was installed from {bad}:" in result.output
    for problem in (
        "row 3: slug must be lower-case letters and digits joined by hyphens, 60 characters or fewer",
        "row 4: slug portage repeats row 2's",
        "row 5: name Waiting Times is another theme's",
        "row 6: name must be 1 to 120 characters",
        "row 7: keywords must be 1 to 5,000 characters of words and phrases, separated by semicolons",
    ):
        assert problem in result.output
    assert "row 2" not in result.output.replace("row 2's", "")
    assert _themes(app) == before


def test_a_file_that_is_not_a_lexicon_is_refused_with_why(app, runner, tmp_path):
    columns = tmp_path / "columns.csv"
    columns.write_text("slug,title\nx,y\n")
    result = runner.invoke(args=["themes", "install", str(columns)])
    assert (
        result.exit_code == 1
        and "the columns must be slug, name and keywords; missing: name, keywords" in result.output
    )
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00junk")
    result = runner.invoke(args=["themes", "install", str(binary)])
    assert result.exit_code == 1 and "cannot be read as CSV in UTF-8" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")  # its header row is looked for after the file is closed: that failed
    result = runner.invoke(args=["themes", "install", str(empty)])
    assert result.exit_code == 1 and "missing: slug, name, keywords" in result.output, result.output
    assert _themes(app) == {}
