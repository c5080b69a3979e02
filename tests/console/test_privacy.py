"""An admin anonymises, from a position's page, the person it reaches across every creditor."""
from sqlalchemy import select

from db.models import Event, Position
from tests.factories import make_creditor, make_position


def test_an_admin_anonymises_the_person_of_a_position_after_confirming(browser, session, users):
    acme = users["creditor"].creditor
    mario = make_position(session, acme, reference="A-1")
    elsewhere = make_position(session, make_creditor(session, name="Beta"), reference="B-1")
    lucia = make_position(session, acme, reference="A-2", name="Lucia Verdi",
                          phone="+393339876543", email="lucia@example.test")
    browser.log_in("anna")
    page = browser.get(f"/posizioni/{mario.id}").get_data(as_text=True)
    assert "Anonimizza i dati personali" in page
    unconfirmed = browser.post(f"/posizioni/{mario.id}/anonimizzazione", {},
                               follow_redirects=True).get_data(as_text=True)
    assert "spunti la conferma" in unconfirmed
    session.expire_all()
    assert session.get(Position, mario.id).name == "Mario Rossi"
    done = browser.post(f"/posizioni/{mario.id}/anonimizzazione", {"conferma": "si"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Dati personali anonimizzati in 2 posizioni (2 chiuse)" in done
    assert "Mario Rossi" not in done and "Dati personali anonimizzati" in done
    session.expire_all()
    assert [session.get(Position, p.id).name == "Mario Rossi" for p in (mario, elsewhere)] == \
        [False, False]
    assert session.get(Position, lucia.id).name == "Lucia Verdi"
    assert session.scalar(select(Event.source).where(Event.kind == "privacy_erased")
                          .limit(1)) == "user:anna"


def test_only_an_admin_may_anonymise(browser, session, users):
    mario = make_position(session, users["creditor"].creditor, reference="A-1")
    browser.log_in("mara")
    assert "Anonimizza i dati" not in browser.get(f"/posizioni/{mario.id}").get_data(as_text=True)
    refused = browser.post(f"/posizioni/{mario.id}/anonimizzazione", {"conferma": "si"})
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(Position, mario.id).name == "Mario Rossi"
