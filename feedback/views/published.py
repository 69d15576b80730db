"""Public "You said, we did" pages: the index with its filters, an entry with its evidence, a version for
young people, an Atom feed and a list to embed on Local Offer sites. Only approved revisions are shown."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for

from ..extensions import db
from ..models import Audience
from ..services import publication
from .access import public

bp = Blueprint("published", __name__, url_prefix="/you-said-we-did")


def _filters() -> publication.PublicFilter:
    theme = request.args.get("theme", "")
    audience = request.args.get("audience", "")
    return publication.PublicFilter(
        area=request.args.get("area", "")[:20],
        theme_id=int(theme) if theme.isdigit() and len(theme) < 10 else None,
        audience=Audience(audience) if audience in {a.value for a in Audience} else None,
    )


@bp.get("")
@public
def index():
    filters = _filters()
    return render_template(
        "published/index.html",
        entries=publication.public_entries(db.session, filters),
        filters=filters,
        choices=publication.filter_choices(db.session),
        audiences=list(Audience),
        sentence=publication.evidence_sentence,
    )


@bp.get("/young-people")
@public
def young_people():
    entries = publication.public_entries(db.session, publication.PublicFilter(audience=Audience.YOUNG_PERSON))
    return render_template("published/young_people.html", entries=entries)


@bp.get("/embed")
@public
def embed():
    """A short list for a Local Offer page to show in an iframe: the newest entries, linking here."""
    entries = publication.public_entries(db.session, _filters())[:5]
    return render_template("published/embed.html", entries=entries)


@bp.get("/feed.atom")
@public
def feed():
    from feedgen.feed import FeedGenerator

    entries = publication.public_entries(db.session)
    generator = FeedGenerator()
    generator.id(url_for(".index", _external=True))
    generator.title("You said, we did")
    generator.subtitle("What families and young people told us, and what we changed because of it.")
    generator.link(href=url_for(".index", _external=True), rel="alternate")
    generator.link(href=url_for(".feed", _external=True), rel="self")
    generator.language("en-GB")
    newest = None
    for entry in reversed(entries):
        latest = entry.latest
        assert latest is not None  # public_entries gives entries approved once
        shown = latest.snapshot
        item = generator.add_entry()
        link = url_for(".entry", slug=entry.slug, _external=True)
        item.id(link)
        item.link(href=link)
        item.title(shown["title"])
        said = "You said" if shown["audience"] != "young_person" else "You told us"
        did = "We did" if shown["kind"] == "we_did" else "We listened"
        item.summary(f"{said}: {shown['you_said']}\n{did}: {shown['we_did']}")
        item.published(entry.revisions[0].published_at)
        item.updated(latest.published_at)
        newest = max(newest or latest.published_at, latest.published_at)
    if newest is not None:
        generator.updated(newest)
    return Response(generator.atom_str(pretty=True), mimetype="application/atom+xml")


@bp.get("/<slug>")
@public
def entry(slug: str):
    found = publication.public_entry(db.session, slug[:120])
    latest = found.latest if found is not None else None
    if latest is None:
        abort(404)
    return render_template(
        "published/entry.html",
        entry=found,
        shown=latest.snapshot,
        sentence=publication.evidence_sentence(latest.snapshot["evidence"]),
    )
