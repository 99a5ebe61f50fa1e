"""Accounts whose access tokens are refused (ezh.auth.account.revoked.v1).

Revision ID: 0002
"""
from services.common.migrations import create_revoked_account_table_v1

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    create_revoked_account_table_v1()


def downgrade() -> None:
    from alembic import op

    op.drop_table("revoked_account")
