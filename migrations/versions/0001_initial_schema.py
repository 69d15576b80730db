"""Initial schema: the whole domain model of DESIGN.md.

UTC timestamps are plain DateTime columns here; the models wrap them in UTCDateTime, which stores
naive UTC, so the database types are the same.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 20:55:56.668872

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "complaint",
                "mediation",
                "tribunal",
                "compliment",
                "enquiry",
                name="case_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "upheld",
                "partly_upheld",
                "not_upheld",
                "agreement_reached",
                "no_agreement",
                "conceded",
                "withdrawn",
                "decided",
                "responded",
                name="case_outcome",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("learning", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "outcome IS NULL OR (kind = 'complaint' AND outcome IN ('not_upheld', 'partly_upheld', 'upheld', 'withdrawn')) OR (kind = 'mediation' AND outcome IN ('agreement_reached', 'no_agreement', 'withdrawn')) OR (kind = 'tribunal' AND outcome IN ('conceded', 'decided', 'withdrawn')) OR (kind = 'compliment' AND outcome IN ('responded')) OR (kind = 'enquiry' AND outcome IN ('responded'))",
            name=op.f("ck_case_record_outcome_fits_kind"),
        ),
        sa.CheckConstraint(
            "closed_on IS NULL OR closed_on >= received_on", name=op.f("ck_case_record_closed_after_received")
        ),
        sa.CheckConstraint(
            "closed_on IS NULL OR outcome IS NOT NULL", name=op.f("ck_case_record_closed_has_outcome")
        ),
        sa.CheckConstraint(
            "due_on IS NULL OR due_on >= received_on", name=op.f("ck_case_record_due_after_received")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_record")),
        sa.UniqueConstraint("reference", name=op.f("uq_case_record_reference")),
    )
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.create_index("ix_case_record_kind_received_on", ["kind", "received_on"], unique=False)

    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("wsoa", "app", "delivery", name="plan_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("local_area", sa.String(length=120), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "period_end IS NULL OR period_start IS NULL OR period_end >= period_start",
            name=op.f("ck_plan_period_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint("title", name=op.f("uq_plan_title")),
    )
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "audience",
            sa.Enum(
                "parent_carer",
                "young_person",
                "professional",
                name="audience",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft", "open", "closed", name="survey_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
            name=op.f("ck_survey_close_after_open"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
        sa.UniqueConstraint("slug", name=op.f("uq_survey_slug")),
    )
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("candidate", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme")),
        sa.UniqueConstraint("name", name=op.f("uq_theme_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_theme_slug")),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum("staff", "coordinator", "admin", name="role", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("email", name=op.f("uq_user_email")),
    )
    op.create_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("senior_responsible_officer", sa.String(length=200), nullable=False),
        sa.Column("outcomes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_area_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area")),
        sa.UniqueConstraint("plan_id", "reference", name=op.f("uq_area_plan_id_reference")),
    )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("operation", sa.String(length=10), nullable=False),
        sa.Column("entity_type", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "operation IN ('insert', 'update', 'delete')", name=op.f("ck_audit_event_operation")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_audit_event_actor_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_event_entity", ["entity_type", "entity_id"], unique=False)

    op.create_table(
        "case_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("child_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_contact_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_contact")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_contact_case_id")),
    )
    op.create_table(
        "case_theme",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_theme_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_case_theme_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "theme_id", name=op.f("pk_case_theme")),
    )
    with op.batch_alter_table("case_theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_theme_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "survey_variant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "standard",
                "young_person",
                "easy_read",
                "language",
                name="variant_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_survey_variant_survey_id_survey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_variant")),
        sa.UniqueConstraint(
            "survey_id", "kind", "language", name=op.f("uq_survey_variant_survey_id_kind_language")
        ),
    )
    with op.batch_alter_table("survey_variant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_variant_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "you_said_we_did",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("we_did", "we_listened", name="entry_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "in_review",
                "published",
                "withdrawn",
                name="entry_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "audience",
            sa.Enum(
                "parent_carer",
                "young_person",
                "professional",
                name="entry_audience",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("you_said", sa.Text(), nullable=False),
        sa.Column("we_did", sa.Text(), nullable=False),
        sa.Column("evidence_n", sa.Integer(), nullable=True),
        sa.Column("evidence_percent", sa.Double(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status <> 'published' OR published_at IS NOT NULL",
            name=op.f("ck_you_said_we_did_published_has_date"),
        ),
        sa.CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id <> created_by_id",
            name=op.f("ck_you_said_we_did_approver_is_second_person"),
        ),
        sa.CheckConstraint(
            "evidence_n IS NULL OR evidence_n >= 0", name=op.f("ck_you_said_we_did_evidence_n_not_negative")
        ),
        sa.CheckConstraint(
            "evidence_percent IS NULL OR evidence_percent BETWEEN 0 AND 100",
            name=op.f("ck_you_said_we_did_evidence_percent_range"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["user.id"],
            name=op.f("fk_you_said_we_did_approved_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_you_said_we_did_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_you_said_we_did_theme_id_theme"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_you_said_we_did")),
        sa.UniqueConstraint("slug", name=op.f("uq_you_said_we_did_slug")),
    )
    with op.batch_alter_table("you_said_we_did", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_you_said_we_did_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "case_area",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_case_area_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.id"], name=op.f("fk_case_area_case_id_case_record"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "area_id", name=op.f("pk_case_area")),
    )
    with op.batch_alter_table("case_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_area_area_id"), ["area_id"], unique=False)

    op.create_table(
        "entry_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["you_said_we_did.id"],
            name=op.f("fk_entry_revision_entry_id_you_said_we_did"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_revision")),
        sa.UniqueConstraint("entry_id", "version", name=op.f("uq_entry_revision_entry_id_version")),
    )
    op.create_table(
        "i_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_i_statement_area_id_area"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_i_statement")),
        sa.UniqueConstraint("area_id", "text", name=op.f("uq_i_statement_area_id_text")),
    )
    with op.batch_alter_table("i_statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_i_statement_area_id"), ["area_id"], unique=False)

    op.create_table(
        "response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column(
            "respondent_role",
            sa.Enum(
                "parent_carer",
                "young_person",
                "professional",
                "other",
                name="respondent_role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "web",
                "qr",
                "widget",
                "paper",
                "import",
                name="channel",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("area_of_need", sa.String(length=60), nullable=True),
        sa.Column("age_band", sa.String(length=20), nullable=True),
        sa.Column("school_phase", sa.String(length=30), nullable=True),
        sa.Column("district", sa.String(length=60), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_response_survey_id_survey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["survey_variant.id"],
            name=op.f("fk_response_variant_id_survey_variant"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
        sa.UniqueConstraint(
            "survey_id", "idempotency_key", name=op.f("uq_response_survey_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_survey_id_submitted_at", ["survey_id", "submitted_at"], unique=False
        )

    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("i_statement_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lead", sa.String(length=200), nullable=False),
        sa.Column("completion_date", sa.Date(), nullable=True),
        sa.Column(
            "progress_status",
            sa.Enum(
                "blue",
                "green",
                "amber",
                "red",
                "grey",
                "pink",
                name="progress_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("progress_narrative", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_action_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["i_statement_id"],
            ["i_statement.id"],
            name=op.f("fk_action_i_statement_id_i_statement"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action")),
        sa.UniqueConstraint("area_id", "reference", name=op.f("uq_action_area_id_reference")),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_i_statement_id"), ["i_statement_id"], unique=False)

    op.create_table(
        "question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "agreement",
                "yes_no",
                "single_choice",
                "multiple_choice",
                "rating",
                "number",
                "free_text",
                name="question_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.Column("i_statement_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["i_statement_id"],
            ["i_statement.id"],
            name=op.f("fk_question_i_statement_id_i_statement"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_question_survey_id_survey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question")),
        sa.UniqueConstraint("survey_id", "key", name=op.f("uq_question_survey_id_key")),
    )
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "response_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_response_contact_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_contact")),
        sa.UniqueConstraint("response_id", name=op.f("uq_response_contact_response_id")),
    )
    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column(
            "agreement",
            sa.Enum(
                "strongly_agree",
                "agree",
                "neither",
                "disagree",
                "strongly_disagree",
                "dont_know",
                name="agreement",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("number", sa.Double(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN agreement IS NULL THEN 0 ELSE 1 END) + (CASE WHEN number IS NULL THEN 0 ELSE 1 END) + (CASE WHEN text IS NULL THEN 0 ELSE 1 END) + (CASE WHEN choices IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_answer_one_value"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["question.id"], name=op.f("fk_answer_question_id_question"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_answer_response_id_response"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer")),
        sa.UniqueConstraint("response_id", "question_id", name=op.f("uq_answer_response_id_question_id")),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_question_id"), ["question_id"], unique=False)

    op.create_table(
        "entry_action",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_entry_action_action_id_action"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["you_said_we_did.id"],
            name=op.f("fk_entry_action_entry_id_you_said_we_did"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "action_id", name=op.f("pk_entry_action")),
    )
    with op.batch_alter_table("entry_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_action_action_id"), ["action_id"], unique=False)

    op.create_table(
        "measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "percent",
                "count",
                "weeks",
                "days",
                "score",
                name="unit",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum("increase", "decrease", name="direction", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("baseline_value", sa.Double(), nullable=True),
        sa.Column("baseline_date", sa.Date(), nullable=True),
        sa.Column("target_value", sa.Double(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column(
            "data_source",
            sa.Enum(
                "survey", "manual", "cases", name="data_source", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column(
            "suggested_status",
            sa.Enum(
                "blue",
                "green",
                "amber",
                "red",
                "grey",
                name="suggested_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "reported_status",
            sa.Enum(
                "blue",
                "green",
                "amber",
                "red",
                "grey",
                name="reported_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("reported_status_reason", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "target_date IS NULL OR baseline_date IS NULL OR target_date >= baseline_date",
            name=op.f("ck_measure_target_after_baseline"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_measure_action_id_action"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure")),
        sa.UniqueConstraint("action_id", "reference", name=op.f("uq_measure_action_id_reference")),
    )
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measure_action_id"), ["action_id"], unique=False)

    op.create_table(
        "question_area",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_question_area_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
            name=op.f("fk_question_area_question_id_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", "area_id", name=op.f("pk_question_area")),
    )
    with op.batch_alter_table("question_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_area_area_id"), ["area_id"], unique=False)

    op.create_table(
        "question_wording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hint", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
            name=op.f("fk_question_wording_question_id_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["survey_variant.id"],
            name=op.f("fk_question_wording_variant_id_survey_variant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_wording")),
        sa.UniqueConstraint(
            "question_id", "variant_id", name=op.f("uq_question_wording_question_id_variant_id")
        ),
    )
    with op.batch_alter_table("question_wording", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_wording_question_id"), ["question_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_wording_variant_id"), ["variant_id"], unique=False)

    op.create_table(
        "case_measure",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_measure_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_case_measure_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "measure_id", name=op.f("pk_case_measure")),
    )
    with op.batch_alter_table("case_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_measure_measure_id"), ["measure_id"], unique=False)

    op.create_table(
        "comment_analysis",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("polarity", sa.Double(), nullable=False),
        sa.Column("subjectivity", sa.Double(), nullable=False),
        sa.Column("analysed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("polarity BETWEEN -1 AND 1", name=op.f("ck_comment_analysis_polarity_range")),
        sa.CheckConstraint(
            "subjectivity BETWEEN 0 AND 1", name=op.f("ck_comment_analysis_subjectivity_range")
        ),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answer.id"],
            name=op.f("fk_comment_analysis_answer_id_answer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("answer_id", name=op.f("pk_comment_analysis")),
    )
    op.create_table(
        "entry_measure",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["you_said_we_did.id"],
            name=op.f("fk_entry_measure_entry_id_you_said_we_did"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_entry_measure_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "measure_id", name=op.f("pk_entry_measure")),
    )
    with op.batch_alter_table("entry_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_measure_measure_id"), ["measure_id"], unique=False)

    op.create_table(
        "entry_quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("original_text", sa.Text(), nullable=False),
        sa.Column("redacted_text", sa.Text(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answer.id"], name=op.f("fk_entry_quote_answer_id_answer"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["you_said_we_did.id"],
            name=op.f("fk_entry_quote_entry_id_you_said_we_did"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_quote")),
    )
    with op.batch_alter_table("entry_quote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_quote_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_milestone_measure_id_measure"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone")),
        sa.UniqueConstraint("measure_id", "due_date", name=op.f("uq_milestone_measure_id_due_date")),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_measure_id"), ["measure_id"], unique=False)

    op.create_table(
        "question_measure",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_question_measure_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
            name=op.f("fk_question_measure_question_id_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", "measure_id", name=op.f("pk_question_measure")),
    )
    with op.batch_alter_table("question_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_measure_measure_id"), ["measure_id"], unique=False)

    op.create_table(
        "reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "analysis",
                "manual",
                "import",
                "cases",
                name="reading_source",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("n IS NULL OR n >= 0", name=op.f("ck_reading_n_not_negative")),
        sa.CheckConstraint(
            "period_start IS NULL OR period_end >= period_start", name=op.f("ck_reading_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["user.id"], name=op.f("fk_reading_entered_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_reading_measure_id_measure"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading")),
        sa.UniqueConstraint(
            "measure_id", "period_end", "source", name=op.f("uq_reading_measure_id_period_end_source")
        ),
    )
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reading_measure_id"), ["measure_id"], unique=False)

    op.create_table(
        "comment_theme",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["comment_analysis.answer_id"],
            name=op.f("fk_comment_theme_answer_id_comment_analysis"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_comment_theme_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("answer_id", "theme_id", name=op.f("pk_comment_theme")),
    )
    with op.batch_alter_table("comment_theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_theme_theme_id"), ["theme_id"], unique=False)


def downgrade():
    with op.batch_alter_table("comment_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_theme_theme_id"))

    op.drop_table("comment_theme")
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reading_measure_id"))

    op.drop_table("reading")
    with op.batch_alter_table("question_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_measure_measure_id"))

    op.drop_table("question_measure")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_measure_id"))

    op.drop_table("milestone")
    with op.batch_alter_table("entry_quote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_quote_entry_id"))

    op.drop_table("entry_quote")
    with op.batch_alter_table("entry_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_measure_measure_id"))

    op.drop_table("entry_measure")
    op.drop_table("comment_analysis")
    with op.batch_alter_table("case_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_measure_measure_id"))

    op.drop_table("case_measure")
    with op.batch_alter_table("question_wording", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_wording_variant_id"))
        batch_op.drop_index(batch_op.f("ix_question_wording_question_id"))

    op.drop_table("question_wording")
    with op.batch_alter_table("question_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_area_area_id"))

    op.drop_table("question_area")
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_action_id"))

    op.drop_table("measure")
    with op.batch_alter_table("entry_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_action_action_id"))

    op.drop_table("entry_action")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_question_id"))

    op.drop_table("answer")
    op.drop_table("response_contact")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_survey_id"))

    op.drop_table("question")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_i_statement_id"))
        batch_op.drop_index(batch_op.f("ix_action_area_id"))

    op.drop_table("action")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_survey_id_submitted_at")

    op.drop_table("response")
    with op.batch_alter_table("i_statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_i_statement_area_id"))

    op.drop_table("i_statement")
    op.drop_table("entry_revision")
    with op.batch_alter_table("case_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_area_area_id"))

    op.drop_table("case_area")
    with op.batch_alter_table("you_said_we_did", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_you_said_we_did_theme_id"))

    op.drop_table("you_said_we_did")
    with op.batch_alter_table("survey_variant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_variant_survey_id"))

    op.drop_table("survey_variant")
    with op.batch_alter_table("case_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_theme_theme_id"))

    op.drop_table("case_theme")
    op.drop_table("case_contact")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_entity")
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_plan_id"))

    op.drop_table("area")
    op.drop_table("user")
    op.drop_table("theme")
    op.drop_table("survey")
    op.drop_table("plan")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index("ix_case_record_kind_received_on")

    op.drop_table("case_record")
