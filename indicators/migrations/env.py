"""Alembic environment: the engine comes from the Store that runs the migration."""

from alembic import context

from indicators.store import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
