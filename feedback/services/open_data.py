"""Open data: published measures with their readings, and published "You said, we did" entries, as plain
values for JSON and CSV. Small numbers are suppressed here, once, so no format can leak them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..analysis.agreement import SUPPRESS_BELOW
from ..database import DbSession
from ..models import Action, Area, EntryStatus, Measure, YouSaidWeDid
from . import publication


def _reading(reading) -> dict:
    suppressed = reading.n is not None and reading.n < SUPPRESS_BELOW
    return {
        "period_start": reading.period_start.isoformat() if reading.period_start else None,
        "period_end": reading.period_end.isoformat(),
        "value": None if suppressed else reading.value,
        "n": None if suppressed else reading.n,
        "suppressed": suppressed,
        "source": reading.source.value,
    }


def measure_record(measure: Measure) -> dict:
    status = measure.reported_status or measure.suggested_status
    return {
        "id": measure.id,
        "reference": f"{measure.action.reference}/{measure.reference}",
        "text": measure.text,
        "area": {"reference": measure.action.area.reference, "title": measure.action.area.title},
        "plan": measure.action.area.plan.title,
        "unit": measure.unit.value,
        "better": "higher" if measure.direction.value == "increase" else "lower",
        "baseline": {
            "value": measure.baseline_value,
            "date": measure.baseline_date.isoformat() if measure.baseline_date else None,
        },
        "target": {
            "value": measure.target_value,
            "date": measure.target_date.isoformat() if measure.target_date else None,
        },
        "status": status.value if status else None,
        "readings": [_reading(r) for r in measure.readings],
    }


def published_measures(session: DbSession, measure_id: int | None = None) -> list[Measure]:
    query = (
        sa.select(Measure)
        .join(Action)
        .join(Area)
        .where(Measure.published.is_(True))
        .order_by(Area.plan_id, Area.position, Action.position, Measure.position)
        .options(
            selectinload(Measure.readings),
            selectinload(Measure.action).selectinload(Action.area).selectinload(Area.plan),
        )
    )
    if measure_id is not None:
        query = query.where(Measure.id == measure_id)
    return list(session.scalars(query))


def entry_record(entry: YouSaidWeDid) -> dict:
    """An entry as the public sees it: its newest approved revision, never the draft being edited."""
    latest = entry.latest
    assert latest is not None  # the public sees only entries approved once
    shown = latest.snapshot
    return {
        "slug": entry.slug,
        "kind": shown["kind"],
        "audience": shown["audience"],
        "title": shown["title"],
        "you_said": shown["you_said"],
        "we_did": shown["we_did"],
        "theme": shown["theme"],
        "evidence": {k: shown["evidence"][k] for k in ("n", "percent", "suppressed")},
        "measures": [m.id for m in entry.measures if m.published and m.id in shown["measures"]],
        "quotes": shown["quotes"],
        "published_at": entry.revisions[0].published_at.isoformat(),
    }


def published_entries(session: DbSession, slug: str | None = None) -> list[YouSaidWeDid]:
    if slug is not None:
        entry = publication.public_entry(session, slug)
        return [entry] if entry is not None and entry.status is not EntryStatus.WITHDRAWN else []
    return publication.public_entries(session)


def readings_rows(measures: list[Measure]) -> list[dict]:
    """One row a reading, for CSV."""
    rows = []
    for measure in measures:
        record = measure_record(measure)
        for reading in record["readings"]:
            rows.append(
                {
                    "measure_id": record["id"],
                    "reference": record["reference"],
                    "measure": record["text"],
                    "unit": record["unit"],
                    **reading,
                }
            )
    return rows
