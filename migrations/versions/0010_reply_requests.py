"""A reply a family asked for records who gave it and when.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 20:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("response_contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replied_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("replied_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_response_contact_replied_by_id_user", "user", ["replied_by_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("response_contact", schema=None) as batch_op:
        batch_op.drop_constraint("fk_response_contact_replied_by_id_user", type_="foreignkey")
        batch_op.drop_column("replied_by_id")
        batch_op.drop_column("replied_at")
