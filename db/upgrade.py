"""Schema upgrades through Alembic, run programmatically so `init-db` needs no alembic.ini."""
import os

from alembic import command
from alembic.config import Config

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def alembic_config(connection=None):
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def upgrade_schema(engine, revision="head"):
    """Bring the database behind `engine` to `revision`; a no-op when it is already there."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
