"""Themes: named topics found in free text and in cases."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow

# The longest a theme's slug, name and words and phrases (one a line) may be: the theme's page and a
# lexicon file installed from the command line keep to the same limits.
MOST_THEME_SLUG = 60
MOST_THEME_NAME = 120
MOST_KEYWORDS = 5_000
# The longest noun phrase the analyser counts: a longer one is no candidate theme's name.
MOST_PHRASE = 200


class Theme(Model):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(MOST_THEME_SLUG), unique=True)
    name: Mapped[str] = mapped_column(sa.String(MOST_THEME_NAME), unique=True)
    # The lexicon: words and phrases, one per line, matched against lemmas and noun chunks.
    keywords: Mapped[str] = mapped_column(sa.Text, default="")
    # Offered by the analyser from frequent unmatched noun chunks; not used until a coordinator accepts it.
    candidate: Mapped[bool] = mapped_column(default=False)
    # A candidate a coordinator turned down: kept so that it is not offered again.
    dismissed: Mapped[bool] = mapped_column(default=False)

    @hybrid_property
    def in_use(self) -> bool:
        """Matched against comments and offered in forms and filters: neither a candidate nor dismissed.
        In a query, the same as a condition (``select(Theme).where(Theme.in_use)``)."""
        return not self.candidate and not self.dismissed

    @in_use.inplace.expression
    @classmethod
    def _in_use_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.candidate.is_(False), cls.dismissed.is_(False))

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.splitlines() if k.strip()]

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class NounChunk(Model):
    """How many comments used a noun phrase: the analyser offers frequent ones that no theme matches as
    candidate themes. Names, numbers and addresses are never counted (see ``analysis.text``)."""

    __tablename__ = "noun_chunk"

    phrase: Mapped[str] = mapped_column(sa.String(MOST_PHRASE), primary_key=True)
    comments: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
