"""When a case's contact details were given, so that a subject access export leaves out who was shown
the details of whoever was the case's contact before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 08:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    # Left empty for details already held: when they were given was not kept.
    with op.batch_alter_table("case_contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("given_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("case_contact", schema=None) as batch_op:
        batch_op.drop_column("given_at")
