"""Accounts in the store (roles, password hashes, tokens, failed sign-ins), and a change's
digest, so the same change cannot wait for review twice.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("digest", sa.String(64)))
    # Partial: a change approved or rejected may be proposed again; one waiting may not.
    op.create_index("one_pending_copy", "changes", ["digest"], unique=True,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("password_hash", sa.Text),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("account", sa.String(200), sa.ForeignKey("accounts.name", ondelete="CASCADE"), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("failures_by_subject", "sign_in_failures", ["subject", "at"])


def downgrade() -> None:
    op.drop_index("failures_by_subject", "sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_table("tokens")
    op.drop_table("accounts")
    op.drop_index("one_pending_copy", "changes")
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("digest")
