"""Access records are deleted by age at the end of their retention period: an index on when each was
made, so that the daily run reads only the old ones, not the whole table.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 17:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f("ix_access_event_at"), "access_event", ["at"])


def downgrade():
    op.drop_index(op.f("ix_access_event_at"), table_name="access_event")
