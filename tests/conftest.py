"""Shared fixtures: an app on a fresh database per test, on SQLite and (when configured) PostgreSQL."""
from datetime import datetime, timezone
import os
import shutil

import pytest
from sqlalchemy import create_engine, make_url, text
from werkzeug.routing.rules import Rule

from app import create_app
from db import get_sessionmaker, make_engine, normalise_url
from db.models import Base
from db.upgrade import upgrade_schema
from tests.smtp import smtp_app, smtp_server  # noqa: F401 - fixtures for every test



def _worker_database(url):
    """Under pytest-xdist (`make test` runs one worker per core) each worker empties and migrates
    a PostgreSQL database of its own, `<name>_<worker>` beside the configured one, created on the
    first run."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parts = make_url(normalise_url(url))
    own = parts.set(database=f"{parts.database}_{worker}")
    engine = create_engine(parts, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": own.database}) is None:
                connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


def _reuse_url_builders():
    """Every test builds its own app, and werkzeug compiles each URL rule's builder into Python
    code as the app registers it: 95 % of `create_app`'s time, about a minute of the suite. The
    code depends only on the rule's parts and defaults, so a test process compiles it once per
    rule and lends it to every later app. (The apps themselves are not shared: each test still
    has its own, configured its way.)"""
    compile_builder = Rule._compile_builder
    builders = {}

    def reused(rule, append_unknown=True):
        defaults = tuple(sorted((name, repr(value)) for name, value in (rule.defaults or {}).items()))
        key = (tuple(rule._trace), defaults, append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = reused


_reuse_url_builders()
TEST_DATABASE_URL = _worker_database(os.environ.get("TEST_DATABASE_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])

PUBLIC_BASE_URL = "https://cortesia.example.test"
AUTH_TOKEN = "test-auth-token"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "cortesia.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine():
    engine = make_engine(TEST_DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "cortesia.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    empty_postgresql(request.getfixturevalue("postgres_engine"))
    return TEST_DATABASE_URL


# Which tables the last test wrote rows to, in one round trip.
_USED = " UNION ALL ".join(f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM {table.name})"
                           for table in Base.metadata.sorted_tables)


def empty_postgresql(engine):
    """Empty the tables the last test used and set every sequence back to 1.

    Not TRUNCATE: it makes new files for all 26 tables and their indexes, about 140 ms a test
    (three minutes of the suite). The used tables are emptied with DELETE (children first) and
    then VACUUMed, which hands their pages back, so a test's rows are stored, and read back
    without ORDER BY, in the order it inserted them, as in a new table."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        used = set(connection.exec_driver_sql(_USED).scalars())
        if used:
            tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in used]
            connection.exec_driver_sql("".join(f"DELETE FROM {name};" for name in tables))
            connection.exec_driver_sql(f"VACUUM {', '.join(tables)}")
        connection.exec_driver_sql(
            "SELECT setval(c.oid, 1, false) FROM pg_class c"
            " WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TELEPHONY": "simulator",
        "TWILIO_ACCOUNT_SID": None,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_CALLER_ID": "+390212345678",
        "TTS_ENGINE": "say",
    })
    # Uploads and job files of a test stay in its own folder, not in the checkout's instance/.
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["cortesia.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A session on the test database; tests commit through it like the app does."""
    with app.app_context():
        s = get_sessionmaker(app)()
        yield s
        s.close()


@pytest.fixture
def morning_calls(app):
    """The webhooks' clock at 10:00 in Rome on a Tuesday: the calls greet with "Buongiorno"
    (prompts.greetings), whatever the hour the suite runs at."""
    app.extensions["cortesia.clock"] = lambda: datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
