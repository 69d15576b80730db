"""Themes: named topics found in free text and in cases."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Theme(db.Model):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # The lexicon: words and phrases, one per line, matched against lemmas and noun chunks.
    keywords: Mapped[str] = mapped_column(sa.Text, default="")
    # Offered by the analyser from frequent unmatched noun chunks; not used until a coordinator accepts it.
    candidate: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"
