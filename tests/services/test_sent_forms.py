"""The keys of forms that make something: each person's own, and gone after KEEP_FOR."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Role, SentForm
from feedback.models.types import utcnow
from feedback.services import sent_forms


def test_a_key_is_one_persons_and_is_forgotten_after_thirty_days(app, make_user):
    first, _ = make_user(Role.STAFF)
    second, _ = make_user(Role.STAFF)
    key, old_key = sent_forms.new_key(), sent_forms.new_key()
    assert sent_forms.KEY.fullmatch(key)
    with app.app_context():
        assert sent_forms.claim(db.session, first, key) is None
        sent_forms.made(db.session, first, key, "/cases/1")
        assert sent_forms.claim(db.session, first, old_key) is None
        sent_forms.made(db.session, first, old_key, "/cases/2")
        db.session.commit()
        assert sent_forms.claim(db.session, first, key) == "/cases/1"
        assert sent_forms.claim(db.session, second, key) is None  # the same key from someone else's page
        db.session.execute(
            sa.update(SentForm)
            .where(SentForm.key == old_key)
            .values(sent_at=utcnow() - sent_forms.KEEP_FOR - timedelta(minutes=1))
        )
        db.session.commit()
        assert sent_forms.claim(db.session, second, sent_forms.new_key()) is None  # clears out old ones
        assert sent_forms.claim(db.session, first, old_key) is None
