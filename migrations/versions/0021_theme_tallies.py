"""Theme tallies kept by the analyser: each theme's comments, negative and positive, by month, so that the
themes and suggestions pages read a few rows instead of counting every comment's themes (1.5 to 2 s at
500,000 responses).

The table starts empty; until a run fills it, the pages count as before, and the next run counts every
month.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 15:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "theme_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("polarity_sum", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_theme_tally_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_tally")),
    )


def downgrade():
    op.drop_table("theme_tally")
