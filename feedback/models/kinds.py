"""Kinds of case: shared by the plan (which measure counts which cases) and the cases themselves."""

from __future__ import annotations

import enum


class CaseKind(enum.Enum):
    COMPLAINT = "complaint"
    MEDIATION = "mediation"
    TRIBUNAL = "tribunal"
    COMPLIMENT = "compliment"
    ENQUIRY = "enquiry"

    @property
    def label(self) -> str:
        return {
            "complaint": "Complaint",
            "mediation": "Mediation",
            "tribunal": "Tribunal appeal",
            "compliment": "Compliment",
            "enquiry": "Enquiry",
        }[self.value]

    @property
    def plural(self) -> str:
        """As a heading of many says it: "Complaints", "Enquiries"."""
        return "Enquiries" if self is CaseKind.ENQUIRY else f"{self.label}s"

    @property
    def with_article(self) -> str:
        """As a sentence says it: "a complaint", "an enquiry"."""
        said = self.label.lower()
        return f"{'an' if said[0] in 'aeiou' else 'a'} {said}"
