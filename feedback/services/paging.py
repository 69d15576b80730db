"""A page of a long list: which page to show, how many there are, and what is on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Place:
    """Where a page sits in a list of ``total`` items, ``size`` a page."""

    page: int
    pages: int
    size: int

    @property
    def offset(self) -> int:
        """How many items come before this page's first."""
        return (self.page - 1) * self.size


def place(asked: int, total: int, size: int) -> Place:
    """The page asked for, or the last if there are fewer (an old link to a list that has since shrunk);
    an empty list has one page, with nothing on it."""
    pages = max(1, -(-total // size))
    return Place(min(asked, pages), pages, size)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int  # items on every page
    page: int
    pages: int
