"""Schema upgrades: `init-db` is idempotent and the migrations match the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from db.models import Base


def test_init_db_creates_the_schema_and_can_run_again(runner, app):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "up to date" in result.output
    tables = set(inspect(app.extensions["cortesia.engine"]).get_table_names())
    assert {"creditors", "positions", "attempts", "events", "outgoing_mail"} <= tables


def test_the_migrations_produce_exactly_the_models_schema(app):
    """A model changed without a migration would strand existing databases: catch it here."""
    with app.extensions["cortesia.engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
