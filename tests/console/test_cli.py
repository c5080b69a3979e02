"""`flask user add|list|password|disable|enable`."""
from sqlalchemy import select

from db.models import User
from tests.factories import make_creditor

PASSWORD = "una-password-lunga"


def add(runner, *args, password=PASSWORD):
    return runner.invoke(args=["user", "add", *args], input=f"{password}\n{password}\n")


def test_add_asks_for_the_password_twice_and_stores_its_hash(runner, session):
    result = add(runner, "Anna", "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "Added admin 'anna'." in result.output
    user = session.scalar(select(User))
    assert (user.username, user.role, user.active) == ("anna", "admin", True)
    assert PASSWORD not in user.password_hash


def test_a_creditor_user_is_bound_to_its_creditor(runner, session):
    creditor = make_creditor(session, name="Acme")
    assert add(runner, "mara", "--role", "creditor", "--creditor", "Acme").exit_code == 0
    assert session.scalar(select(User.creditor_id)) == creditor.id
    unbound = add(runner, "luca", "--role", "creditor")
    assert unbound.exit_code == 1 and "needs --creditor" in unbound.output


def test_bad_accounts_are_refused_with_the_reason(runner, session):
    short = add(runner, "anna", "--role", "admin", password="corta")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    add(runner, "anna", "--role", "admin")
    again = add(runner, "ANNA", "--role", "collector")
    assert again.exit_code == 1 and "exists already" in again.output
    role = add(runner, "bruno", "--role", "boss")
    assert role.exit_code == 2


def test_list_and_disable(runner, session):
    add(runner, "anna", "--role", "admin")
    add(runner, "carlo", "--role", "collector")
    assert runner.invoke(args=["user", "disable", "carlo"]).exit_code == 0
    listed = runner.invoke(args=["user", "list"]).output.splitlines()
    assert listed[2].split()[:4] == ["anna", "admin", "-", "yes"]
    assert listed[3].split()[:4] == ["carlo", "collector", "-", "no"]
    missing = runner.invoke(args=["user", "disable", "nessuno"])
    assert missing.exit_code == 1 and "no user named" in missing.output
    enabled = runner.invoke(args=["user", "enable", "Carlo"])
    assert enabled.exit_code == 0 and "Enabled 'Carlo'." in enabled.output
    listed = runner.invoke(args=["user", "list"]).output.splitlines()
    assert listed[3].split()[:4] == ["carlo", "collector", "-", "yes"]


def test_disabling_a_user_ends_their_sessions(runner, session):
    add(runner, "carlo", "--role", "collector")
    before = session.scalar(select(User)).session_generation
    runner.invoke(args=["user", "disable", "carlo"])
    session.expire_all()
    assert session.scalar(select(User)).session_generation == before + 1


def test_a_new_password_replaces_the_old_one_and_ends_the_users_sessions(runner, session):
    add(runner, "anna", "--role", "admin")
    before = session.scalar(select(User)).session_generation
    result = runner.invoke(args=["user", "password", "Anna"],
                           input="un-altra-password\nun-altra-password\n")
    assert result.exit_code == 0, result.output
    assert "New password for 'anna'; their sessions have ended." in result.output
    session.expire_all()
    user = session.scalar(select(User))
    assert user.session_generation == before + 1
    short = runner.invoke(args=["user", "password", "anna"], input="corta\ncorta\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    missing = runner.invoke(args=["user", "password", "nessuno"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert missing.exit_code == 1 and "no user named" in missing.output
