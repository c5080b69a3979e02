"""Schema upgrades: `init-db` is idempotent and the migrations match the models."""
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from db.models import Base
from db.upgrade import alembic_config, upgrade_schema

PARTIAL = {"ix_positions_status_until": "status_until IS NOT NULL"}


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


def test_the_pause_index_leaves_out_the_positions_without_one(app):
    """An imported position has no pause: since 0027 it costs the pause index no write, and a
    downgrade gives the full index back. The outcome index stays full: the dialer looks for
    the positions without an outcome at every pass."""
    engine = app.extensions["cortesia.engine"]
    assert index_predicates(engine, PARTIAL) == PARTIAL
    assert index_predicates(engine, {"ix_positions_outcome"}) == {"ix_positions_outcome": None}
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0026")
        assert index_predicates(engine, PARTIAL) == dict.fromkeys(PARTIAL)
    finally:
        upgrade_schema(engine)
    assert index_predicates(engine, PARTIAL) == PARTIAL


def index_predicates(engine, names):
    """{index name: its WHERE as the database gives it back, None for a full index}."""
    found = {}
    for index in inspect(engine).get_indexes("positions"):
        if index["name"] in names:
            where = [str(v) for k, v in index["dialect_options"].items() if k.endswith("_where")]
            found[index["name"]] = where[0].strip("()") if where else None
    return found


def test_an_existing_database_keeps_its_data_through_an_upgrade(tmp_path):
    from datetime import datetime, timezone

    from sqlalchemy import text

    from db import make_engine
    from db.upgrade import upgrade_schema

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_schema(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO creditors (name, windows, max_attempts, min_gap_seconds, timezone, country,"
            " language, created_at) VALUES ('Acme', '08:30-12:00', 3, 7200, 'Europe/Rome', 'IT', 'it',"
            " :now)"), {"now": datetime(2026, 11, 1, tzinfo=timezone.utc).replace(tzinfo=None)})
    upgrade_schema(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name, max_concurrent_calls FROM creditors")).one() == \
            ("Acme", None)
        assert connection.execute(text("SELECT count(*) FROM report_runs")).scalar() == 0
    engine.dispose()


def test_a_claim_left_by_the_old_outbox_is_held_as_unknown_not_resent(tmp_path):
    """Before 0010 a claim kept its lease in next_try_at and no trace of how far it got."""
    from datetime import datetime, timezone

    from sqlalchemy import text

    from app import create_app
    from db.upgrade import upgrade_schema
    from notify.mailer import MemoryMailer, set_mailer
    from notify.outbox import flush_outbox

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}",
                      "SECRET_KEY": "x", "TELEPHONY": "simulator", "MAIL_FROM": "c@example.test"})
    engine = app.extensions["cortesia.engine"]
    upgrade_schema(engine, "0008")
    lease_end = datetime(2026, 11, 1, 10, 10)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO outgoing_mail (key, kind, to_address, subject, body, status, tries,"
            " next_try_at, created_at) VALUES ('k', 'test', 'a@example.test', 's', 'b', 'sending',"
            " 0, :lease_end, :lease_end)"), {"lease_end": lease_end})
    upgrade_schema(engine)
    mailer = MemoryMailer()
    set_mailer(app, mailer)

    report = flush_outbox(app, datetime(2026, 11, 2, tzinfo=timezone.utc))

    assert (report.held, report.sent, mailer.sent) == (1, 0, [])
    with engine.connect() as connection:
        assert connection.execute(text("SELECT status FROM outgoing_mail")).scalar() == "unknown"
    engine.dispose()


def test_the_pages_codes_counted_before_0017_stay_the_pages_not_the_consoles(tmp_path):
    from datetime import datetime

    from sqlalchemy import text

    from db import make_engine
    from db.upgrade import upgrade_schema

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_schema(engine, "0016")
    with engine.begin() as connection:
        for name in ("page:7", "anna"):
            connection.execute(text(
                "INSERT INTO login_attempts (username, address, succeeded, at)"
                " VALUES (:name, '203.0.113.5', false, :at)"),
                {"name": name, "at": datetime(2026, 12, 1, 10, 0)})
    upgrade_schema(engine)
    with engine.connect() as connection:
        assert dict(connection.execute(text("SELECT username, scope FROM login_attempts")).all()) \
            == {"page:7": "page", "anna": "console"}
    engine.dispose()


def test_calls_progress_fed_before_0024_leaves_the_feed_and_its_webhooks(tmp_path):
    from datetime import datetime, timezone

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from db import make_engine
    from db.models import Event, FeedEvent, FeedQueue, WebhookDelivery
    from db.upgrade import upgrade_schema

    at = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_schema(engine, "0023")
    with Session(engine) as session:
        # The creditor, position and attempt as the 0023 schema had them (the models have more).
        position, attempt = old_position_and_attempt(session, at)
        progress = Event(position_id=position.id, attempt_id=attempt.id, kind="status",
                         source="twilio", detail={"status": "ringing"}, at=at)
        change = Event(position_id=position.id, kind="status", source="test",
                       detail={"from": "open", "to": "closed"}, at=at)
        queued = Event(position_id=position.id, attempt_id=attempt.id, kind="status",
                       source="twilio", detail={"status": "completed"}, at=at)
        session.add_all([progress, change, queued])
        session.flush()
        session.add(FeedQueue(event_id=queued.id))
        for event in (progress, change):
            fed = FeedEvent(event_id=event.id, creditor_id=position.creditor_id,
                            position_id=position.id, type="status_changed", at=at, data={})
            session.add(fed)
            session.flush()
            session.add(WebhookDelivery(feed_event_id=fed.id, creditor_id=position.creditor_id))
        session.commit()
        change_id = change.id
    upgrade_schema(engine)
    with Session(engine) as session:
        assert session.scalars(select(FeedEvent.event_id)).all() == [change_id]
        assert len(session.scalars(select(WebhookDelivery)).all()) == 1
        assert session.scalars(select(FeedQueue)).all() == []
        assert len(session.scalars(select(Event)).all()) == 3   # the facts themselves stay
    engine.dispose()


def old_position_and_attempt(session, at):
    """A creditor, a position and an attempt written in SQL: columns the models added later
    are not in an old schema. (position, attempt), each with its `id` and `creditor_id`."""
    from types import SimpleNamespace

    from sqlalchemy import text

    naive = at.replace(tzinfo=None)
    creditor_id = session.execute(text(
        "INSERT INTO creditors (name, windows, max_attempts, min_gap_seconds, timezone, country,"
        " language, created_at) VALUES ('Acme', '08:30-12:00', 3, 7200, 'Europe/Rome', 'IT',"
        " 'it', :at) RETURNING id"), {"at": naive}).scalar()
    position_id = session.execute(text(
        "INSERT INTO positions (creditor_id, reference, name, phone, amount, currency, due_date,"
        " created_at, updated_at) VALUES (:c, 'A-1', 'Mario Rossi', '+393331234567', 10, 'EUR',"
        " '2026-11-01', :at, :at) RETURNING id"), {"c": creditor_id, "at": naive}).scalar()
    attempt_id = session.execute(text(
        "INSERT INTO attempts (token, position_id, number, status, digits, identified,"
        " place_errors, created_at) VALUES ('t1', :p, 1, 'completed', '', false, 0, :at)"
        " RETURNING id"), {"p": position_id, "at": naive}).scalar()
    return (SimpleNamespace(id=position_id, creditor_id=creditor_id),
            SimpleNamespace(id=attempt_id))
