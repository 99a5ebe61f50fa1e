"""Access: school policy, account state, signing keys, activation codes,
sessions with rotating refresh tokens, sign-in throttling and the audit log.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("school", sa.Column("code_lifetime_days", sa.Integer, nullable=False, server_default="14"))
    op.add_column(
        "school", sa.Column("staff_totp_required", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column("account", sa.Column("activate_time", sa.DateTime(timezone=True), nullable=True))
    op.add_column("account", sa.Column("last_sign_in_time", sa.DateTime(timezone=True), nullable=True))
    op.add_column("account", sa.Column("password_change_time", sa.DateTime(timezone=True), nullable=True))
    op.add_column("account", sa.Column("totp_secret", sa.String(64), nullable=True))
    op.add_column("account", sa.Column("totp_enabled", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("account", sa.Column("totp_last_step", sa.Integer, nullable=True))

    op.create_table(
        "signing_key",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_key_pem", sa.Text, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activate_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retire_time", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "activation_code",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("person_id", sa.String(36), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("school.id"), nullable=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("class_id", sa.String(36), nullable=True),
        sa.Column("issued_by", sa.String(36), nullable=False),
        sa.Column("issue_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expire_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("use_time", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_activation_code_person", "activation_code", ["person_id", "role"])
    op.create_table(
        "session",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), sa.ForeignKey("person.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("user_agent", sa.String(300), nullable=False, server_default=""),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_use_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("absolute_expire_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(40), nullable=True),
    )
    op.create_table(
        "refresh_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("session.id"), nullable=False, index=True),
        sa.Column("issue_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("use_time", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("login", sa.String(64), nullable=False, server_default=""),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempt_login", "login_attempt", ["login", "time"])
    op.create_index("ix_login_attempt_address", "login_attempt", ["address", "time"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target", sa.String(100), nullable=False, server_default=""),
        sa.Column("school_id", sa.String(36), nullable=True),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
        sa.Column("user_agent", sa.String(300), nullable=False, server_default=""),
        sa.Column("details", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_audit_event_school_action", "audit_event", ["school_id", "action", "id"])


def downgrade() -> None:
    for table in ("audit_event", "login_attempt", "refresh_token", "session", "activation_code", "signing_key"):
        op.drop_table(table)
    with op.batch_alter_table("account") as batch:
        for column in (
            "totp_last_step", "totp_enabled", "totp_secret", "password_change_time", "last_sign_in_time",
            "activate_time",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("school") as batch:
        batch.drop_column("staff_totp_required")
        batch.drop_column("code_lifetime_days")
