"""A form that makes something new carries a key issued with its page; the first post with it records
what it made, so that sending the form twice makes one case, draft or question, not two.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 02:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sent_form",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("made", sa.String(length=300), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_sent_form_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_sent_form")),
    )
    op.create_index(op.f("ix_sent_form_sent_at"), "sent_form", ["sent_at"])


def downgrade():
    op.drop_index(op.f("ix_sent_form_sent_at"), table_name="sent_form")
    op.drop_table("sent_form")
