"""Analysis runs, and the lease that lets one analyser run at a time.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:26:00.775527

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "analysis_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "running", "succeeded", "failed", name="run_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("readings_written", sa.Integer(), nullable=False),
        sa.Column("statuses_changed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_run")),
    )
    op.create_table(
        "job_lease",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_lease")),
    )


def downgrade():
    op.drop_table("job_lease")
    op.drop_table("analysis_run")
