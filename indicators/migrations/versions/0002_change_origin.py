"""Where a change came from (seed, form, import, restore, command line), and revisions by change.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("origin", sa.String(20), nullable=False, server_default="edit"))
    op.create_index("revisions_by_change", "revisions", ["change_id"])


def downgrade() -> None:
    op.drop_index("revisions_by_change", "revisions")
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("origin")
