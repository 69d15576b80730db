"""Survey drafts (answers saved page by page) and database-backed rate limit counters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 21:12:20.135621

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_limit_hit",
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_rate_limit_hit")),
    )
    op.create_table(
        "survey_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "web",
                "qr",
                "widget",
                "paper",
                "import",
                name="draft_channel",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("page >= 1", name=op.f("ck_survey_draft_page_positive")),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_survey_draft_response_id_response"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_survey_draft_survey_id_survey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["survey_variant.id"],
            name=op.f("fk_survey_draft_variant_id_survey_variant"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_draft")),
        sa.UniqueConstraint("token", name=op.f("uq_survey_draft_token")),
    )
    with op.batch_alter_table("survey_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_draft_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_draft_survey_id"), ["survey_id"], unique=False)


def downgrade():
    with op.batch_alter_table("survey_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_draft_survey_id"))
        batch_op.drop_index(batch_op.f("ix_survey_draft_expires_at"))

    op.drop_table("survey_draft")
    op.drop_table("rate_limit_hit")
