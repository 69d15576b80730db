"""Theme lexicon and incremental analysis: stored tokens and lemmas of each comment, noun-chunk counts
for candidate themes, dismissed candidates, and what each run started from.

Columns added to tables that may hold rows get a server default, so that the upgrade works on a live
database; the models set the same values on insert.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 00:42:05.296390

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

RUN_COUNTERS = ("comments_analysed", "comments_rethemed", "candidates_offered")


def upgrade():
    op.create_table(
        "noun_chunk",
        sa.Column("phrase", sa.String(length=200), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("phrase", name=op.f("pk_noun_chunk")),
    )
    with op.batch_alter_table("analysis_run", schema=None) as batch_op:
        for name in RUN_COUNTERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("lexicon_version", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("tags_version", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("last_response_id", sa.Integer(), nullable=False, server_default="0"))

    with op.batch_alter_table("comment_analysis", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tokens", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("lemmas", sa.Text(), nullable=False, server_default=""))

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index("ix_response_submitted_at", ["submitted_at"], unique=False)

    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dismissed", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.drop_column("dismissed")

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_submitted_at")

    with op.batch_alter_table("comment_analysis", schema=None) as batch_op:
        batch_op.drop_column("lemmas")
        batch_op.drop_column("tokens")

    with op.batch_alter_table("analysis_run", schema=None) as batch_op:
        for name in ("last_response_id", "tags_version", "lexicon_version", *reversed(RUN_COUNTERS)):
            batch_op.drop_column(name)

    op.drop_table("noun_chunk")
