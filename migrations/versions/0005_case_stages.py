"""Case stages with due dates, which kind of case a measure counts, and an index of the answers
that hold text (the analyser's search for comments it has not read).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 01:10:57.185448

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_id_with_text",
            ["id"],
            unique=False,
            sqlite_where=sa.text("text IS NOT NULL"),
            postgresql_where=sa.text("text IS NOT NULL"),
        )
    op.create_table(
        "case_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "name",
            sa.Enum(
                "stage_1",
                "stage_2",
                "ombudsman",
                "mediation_requested",
                "mediation_held",
                "tribunal_registered",
                "tribunal_response",
                "tribunal_hearing",
                "acknowledged",
                name="stage_name",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "completed_on IS NULL OR completed_on >= started_on",
            name=op.f("ck_case_stage_completed_after_started"),
        ),
        sa.CheckConstraint(
            "due_on IS NULL OR due_on >= started_on", name=op.f("ck_case_stage_due_after_started")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_stage_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_stage")),
        sa.UniqueConstraint("case_id", "name", name=op.f("uq_case_stage_case_id_name")),
    )
    with op.batch_alter_table("case_stage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_stage_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "case_kind",
                sa.Enum(
                    "complaint",
                    "mediation",
                    "tribunal",
                    "compliment",
                    "enquiry",
                    name="measure_case_kind",
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )


def downgrade():
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_id_with_text")
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_measure_measure_case_kind"), type_="check")
        batch_op.drop_column("case_kind")

    with op.batch_alter_table("case_stage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_stage_case_id"))

    op.drop_table("case_stage")
