"""Counters for rate limiting, in the database so that every web worker and machine shares them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class RateLimitHit(Model):
    __tablename__ = "rate_limit_hit"

    # A keyed hash of the client's address and the limited action: no address is stored.
    bucket: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
