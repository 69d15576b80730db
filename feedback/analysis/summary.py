"""The quantitative summary of a plan: per area and overall, how many actions and measures stand at each
status, as counts and percentages (as section 5 of Warwickshire's progress report). Pure pandas."""

from __future__ import annotations

import pandas as pd

STATUSES = ["blue", "green", "amber", "red", "grey"]
OVERALL = "All areas"


def area_label(reference: str, title: str) -> str:
    """An area as the summary and the pages' lists name it: "Area 1: Identification of needs". A summary
    with no room for the title shows what comes before the first ": " (templates/plans/_summary.html)."""
    return f"Area {reference}: {title}"


def quantitative_summary(items: pd.DataFrame) -> pd.DataFrame:
    """``items`` has one row an action or measure: area, kind ("action" or "measure") and status (a BRAG
    value, "pink" counted as grey, or None for not yet rated). One row comes back for each area and kind,
    then "All areas": total, and for each status a count and a percentage of the total."""
    columns = ["area", "kind", "total"] + [
        f"{s}{suffix}" for s in [*STATUSES, "unrated"] for suffix in ("", "_pct")
    ]
    if items.empty:
        return pd.DataFrame(columns=columns)
    frame = items.assign(status=items["status"].replace({"pink": "grey"}).fillna("unrated"))
    areas = list(dict.fromkeys(frame["area"]))
    everything = pd.concat([frame, frame.assign(area=OVERALL)], ignore_index=True)
    counts = pd.crosstab([everything["area"], everything["kind"]], everything["status"])
    counts = counts.reindex(columns=[*STATUSES, "unrated"], fill_value=0)
    counts["total"] = counts.sum(axis=1)
    for status in [*STATUSES, "unrated"]:
        counts[f"{status}_pct"] = (100 * counts[status] / counts["total"]).round(0)
    table = counts.reset_index()
    table["area"] = pd.Categorical(table["area"], categories=[*areas, OVERALL], ordered=True)
    return table.sort_values(["area", "kind"]).reset_index(drop=True)[columns]
