"""Admin pages: creditors with the command line's checks, and console users."""
import re
from decimal import Decimal

from sqlalchemy import select

from db.models import Creditor, User

CREDITOR = {"name": "Gamma Gas", "caller_id": "+390612345678", "windows": "09:00-12:00",
            "max_attempts": "2", "min_gap": "3h", "timezone": "Europe/Rome", "language": "it",
            "country": "IT", "report_email": "report@gamma.example", "spoken_name": "",
            "max_concurrent": "4"}


def test_an_admin_creates_and_edits_a_creditor(browser, users, session):
    browser.log_in("anna")
    assert browser.post("/mandanti/nuovo", CREDITOR).status_code == 302
    gamma = session.scalar(select(Creditor).where(Creditor.name == "Gamma Gas"))
    assert (gamma.windows, gamma.max_attempts, gamma.min_gap_seconds, gamma.max_concurrent_calls,
            gamma.report_email) == ("09:00-12:00", 2, 10800, 4, "report@gamma.example")
    page = browser.get(f"/mandanti/{gamma.id}").get_data(as_text=True)
    assert 'value="3h"' in page and 'value="+390612345678"' in page
    browser.post(f"/mandanti/{gamma.id}", dict(CREDITOR, caller_id="+390698765432"))
    session.expire_all()
    assert session.get(Creditor, gamma.id).caller_id == "+390698765432"
    assert "Gamma Gas" in browser.get("/mandanti").get_data(as_text=True)


def test_bad_settings_are_refused_with_the_reason_and_nothing_saved(browser, users, session):
    browser.log_in("anna")
    bad = browser.post("/mandanti/nuovo", dict(CREDITOR, windows="12:00-09:00"))
    assert bad.status_code == 400 and "Non salvato" in bad.get_data(as_text=True)
    clash = browser.post("/mandanti/nuovo", dict(CREDITOR, name="acme energia"))
    assert clash.status_code == 400 and "esiste già" in clash.get_data(as_text=True)
    assert session.scalar(select(Creditor).where(Creditor.name == "Gamma Gas")) is None


def test_an_admin_creates_and_disables_users(browser, users, session):
    browser.log_in("anna")
    created = browser.post("/utenti", {"username": "dora", "role": "collector",
                                       "password": "una-password-lunga"}, follow_redirects=True)
    assert "Utente «dora» creato" in created.get_data(as_text=True)
    unbound = browser.post("/utenti", {"username": "ugo", "role": "creditor",
                                       "password": "una-password-lunga"})
    assert "Non creato" in unbound.get_data(as_text=True)
    assert session.scalar(select(User).where(User.username == "ugo")) is None
    dora = session.scalar(select(User).where(User.username == "dora"))
    unconfirmed = browser.post(f"/utenti/{dora.id}/disattiva")
    assert unconfirmed.status_code == 400 and "Spunti la conferma" in unconfirmed.get_data(
        as_text=True)
    session.expire_all()
    assert session.get(User, dora.id).active is True
    browser.post(f"/utenti/{dora.id}/disattiva", {"conferma": "si"})
    session.expire_all()
    assert session.get(User, dora.id).active is False
    itself = browser.post(f"/utenti/{users['admin'].id}/disattiva", {"conferma": "si"},
                          follow_redirects=True)
    assert "Non può disattivare sé stesso" in itself.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, users["admin"].id).active is True


def test_an_admin_enables_a_disabled_user_and_gives_a_new_password(app, browser, users,
                                                                   session):
    from tests.console.conftest import Browser

    carlo = users["collector"]
    other = Browser(app.test_client())
    other.log_in("carlo")
    assert other.get("/richiamate").status_code == 200
    browser.log_in("anna")
    page = browser.get(f"/utenti/{carlo.id}").get_data(as_text=True)
    assert "operatore" in page and "Nuova password" in page and "Confermo" in page
    browser.post(f"/utenti/{carlo.id}/disattiva", {"conferma": "si"})
    assert other.get("/richiamate").status_code == 302            # logged out at once
    listed = browser.get("/utenti").get_data(as_text=True)
    assert "disattivato" in listed and "Riattiva" in listed
    browser.post(f"/utenti/{carlo.id}/riattiva")
    assert other.log_in("carlo").status_code == 302 and other.get("/richiamate").status_code == 200
    short = browser.post(f"/utenti/{carlo.id}/password", {"password": "corta"})
    assert short.status_code == 400 and "Password non cambiata" in short.get_data(as_text=True)
    browser.post(f"/utenti/{carlo.id}/password", {"password": "un-altra-password-lunga"})
    assert other.get("/richiamate").status_code == 302            # the old sessions ended
    assert other.log_in("carlo", "un-altra-password-lunga").status_code == 302
    # The admin's password lets carlo in only to choose his own.
    forced = other.get("/richiamate")
    assert forced.status_code == 302 and forced.location.endswith("/password")
    page = other.get("/password").get_data(as_text=True)
    assert "impostata da un amministratore" in page
    for current, new, repeated, words in (
            ("sbagliata-davvero", "la-mia-password-1", "la-mia-password-1", "non è corretta"),
            ("un-altra-password-lunga", "la-mia-password-1", "la-mia-password-2", "non coincidono"),
            ("un-altra-password-lunga", "corta", "corta", "almeno 10 caratteri"),
            ("un-altra-password-lunga", "un-altra-password-lunga", "un-altra-password-lunga",
             "diversa da quella attuale")):
        refused = other.post("/password", {"current": current, "new": new, "repeated": repeated})
        assert refused.status_code == 400 and words in refused.get_data(as_text=True)
    changed = other.post("/password", {"current": "un-altra-password-lunga",
                                       "new": "la-mia-password-1", "repeated": "la-mia-password-1"})
    assert changed.status_code == 302
    assert other.get("/richiamate").status_code == 200         # still logged in, free to work
    other.post("/logout")
    assert other.log_in("carlo", "la-mia-password-1").status_code == 302
    assert other.get("/richiamate").status_code == 200


def test_the_new_user_form_has_no_default_role(browser, users):
    browser.log_in("anna")
    page = browser.get("/utenti").get_data(as_text=True)
    assert '<option value="" selected disabled>' in page
    assert '<option value="admin" >amministratore</option>' in page
    assert browser.post("/utenti", {"username": "ivo", "password": "una-password-lunga"}
                        ).status_code == 400


def test_only_admins_reach_the_admin_pages(browser, users):
    browser.log_in("carlo")
    for path in ("/mandanti", "/mandanti/nuovo", "/utenti"):
        assert browser.get(path).status_code == 403


def test_a_nul_in_a_creditors_name_is_refused_and_the_form_keeps_the_rest(browser, users,
                                                                          session):
    browser.log_in("anna")
    refused = browser.post("/mandanti/nuovo", dict(CREDITOR, name="Gamma\x00 Gas",
                                                   spoken_name="Gamma"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "«Nome» contiene un carattere non ammesso" in page
    assert 'value="Gamma Gas"' in page and 'value="09:00-12:00"' in page
    assert session.scalar(select(Creditor).where(Creditor.name.like("Gamma%"))) is None


def test_a_user_not_created_keeps_what_was_typed_but_the_password(browser, users, session):
    browser.log_in("anna")
    creditor_id = users["creditor"].creditor_id
    refused = browser.post("/utenti", {"username": "ugo\x00", "role": "creditor",
                                       "creditor": str(creditor_id), "password": "segretissima"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "«Nome utente» contiene un carattere non ammesso" in page
    assert 'value="ugo"' in page and '<option value="creditor" selected>mandante</option>' in page
    assert f'value="{creditor_id}" selected' in page and "segretissima" not in page
    assert session.scalar(select(User).where(User.username.like("ugo%"))) is None


def test_an_admin_sets_the_courtesy_phase_of_a_creditor(browser, users, session):
    browser.log_in("anna")
    phase = dict(CREDITOR, playbook="cortesia-30", late_fee="40", late_interest_rate="8,5",
                 sms_sender="Gamma", contact_email="crediti@gamma.example",
                 contact_phone="+390612345679", promise_grace_days="5", verify_days="10")
    assert browser.post("/mandanti/nuovo", phase).status_code == 302
    gamma = session.scalar(select(Creditor).where(Creditor.name == "Gamma Gas"))
    assert (gamma.playbook, gamma.late_fee, gamma.late_interest_rate, gamma.sms_sender,
            gamma.contact_email, gamma.contact_phone, gamma.promise_grace_days,
            gamma.verify_days) == ("cortesia-30", 40, Decimal("8.5"), "Gamma",
                                   "crediti@gamma.example", "+390612345679", 5, 10)
    page = browser.get(f"/mandanti/{gamma.id}").get_data(as_text=True)
    assert 'value="cortesia-30" selected' in page and 'value="8.5"' in page
    assert "18 email_or_pec sollecito_oneri" in page   # the chosen steps, a starting point
    browser.post(f"/mandanti/{gamma.id}", dict(phase, late_fee="", sms_sender=""))
    session.expire_all()
    assert (gamma.late_fee, gamma.sms_sender, gamma.playbook) == (None, None, "cortesia-30")


def test_an_admin_writes_a_creditors_own_steps(browser, users, session):
    browser.log_in("anna")
    steps = "0 email verifica_contabile\r\n3 call\r\n10 end\r\n"
    assert browser.post("/mandanti/nuovo", dict(CREDITOR, playbook="custom",
                                                playbook_text=steps)).status_code == 302
    gamma = session.scalar(select(Creditor).where(Creditor.name == "Gamma Gas"))
    assert (gamma.playbook, gamma.playbook_steps) == (
        "custom", "0 email verifica_contabile\n3 call\n10 end\n")


def test_bad_own_steps_are_refused_in_italian_with_the_line_and_kept_in_the_form(browser, users,
                                                                                  session):
    browser.log_in("anna")
    steps = "0 call\n2 fax sollecito\n"
    refused = browser.post("/mandanti/nuovo", dict(CREDITOR, playbook="custom",
                                                   playbook_text=steps))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "passi personalizzati: riga 2: «fax» non è un canale" in page
    assert "2 fax sollecito" in page
    empty = browser.post("/mandanti/nuovo", dict(CREDITOR, playbook="custom", playbook_text=" "))
    assert empty.status_code == 400 and "scriva i passi" in empty.get_data(as_text=True)
    assert session.scalar(select(Creditor).where(Creditor.name == "Gamma Gas")) is None


def test_steps_edited_under_a_built_in_playbook_are_refused_not_dropped(browser, users, session):
    browser.log_in("anna")
    acme = users["creditor"].creditor
    page = browser.get(f"/mandanti/{acme.id}").get_data(as_text=True)
    shown = re.search(r'name="playbook_shown" value="([^"]*)"', page).group(1)
    assert shown == "# primo-sollecito\n0 call\n"
    form = dict(CREDITOR, name=acme.name, playbook="primo-sollecito", playbook_shown=shown)
    edited = browser.post(f"/mandanti/{acme.id}", dict(form, playbook_text="0 call\n5 call\n"))
    assert edited.status_code == 400
    assert "scelga «personalizzato»" in edited.get_data(as_text=True)
    kept = browser.post(f"/mandanti/{acme.id}", dict(form, playbook_text=shown))
    assert kept.status_code == 302


def test_an_admin_sets_and_clears_the_payment_link_in_the_creditors_form(browser, users,
                                                                         session):
    browser.log_in("anna")
    template = "https://paga.example.it/?rif={reference}&importo={amount}"
    acme = users["creditor"].creditor
    page = browser.get(f"/mandanti/{acme.id}").get_data(as_text=True)
    assert 'name="payment_link"' in page and "Link di pagamento" in page
    browser.post(f"/mandanti/{acme.id}", dict(CREDITOR, name=acme.name, payment_link=template))
    session.expire_all()
    assert session.get(Creditor, acme.id).payment_link == template
    shown = browser.get(f"/mandanti/{acme.id}").get_data(as_text=True)
    assert 'value="https://paga.example.it/?rif={reference}&amp;importo={amount}"' in shown
    bad = browser.post(f"/mandanti/{acme.id}", dict(CREDITOR, name=acme.name,
                                                    payment_link="https://x.example/{iban}"))
    assert bad.status_code == 400 and "può nominare tra graffe solo {reference} e {amount}" in \
        bad.get_data(as_text=True)
    browser.post(f"/mandanti/{acme.id}", dict(CREDITOR, name=acme.name, payment_link=""))
    session.expire_all()
    assert session.get(Creditor, acme.id).payment_link is None


def test_an_admin_ticks_and_unticks_code_identification(browser, users, session):
    browser.log_in("anna")
    form = browser.get("/mandanti/nuovo").get_data(as_text=True)
    assert 'name="require_code"' in form and "solo con il codice cliente" in form
    assert browser.post("/mandanti/nuovo", dict(CREDITOR, require_code="1")).status_code == 302
    gamma = session.scalar(select(Creditor).where(Creditor.name == "Gamma Gas"))
    assert gamma.require_code is True
    page = browser.get(f"/mandanti/{gamma.id}").get_data(as_text=True)
    assert re.search(r'name="require_code" value="1"\s+checked', page)
    browser.post(f"/mandanti/{gamma.id}", CREDITOR)   # an unticked box is sent as nothing
    session.expire_all()
    assert session.get(Creditor, gamma.id).require_code is False


def test_a_refused_form_keeps_the_box_as_it_was_ticked(browser, users, session):
    browser.log_in("anna")
    bad = browser.post("/mandanti/nuovo", dict(CREDITOR, windows="12:00-09:00", require_code="1"))
    assert bad.status_code == 400
    assert re.search(r'name="require_code" value="1"\s+checked', bad.get_data(as_text=True))


def test_an_admin_sets_how_long_a_creditor_keeps_personal_data(browser, users, session):
    browser.log_in("anna")
    acme = users["creditor"].creditor
    page = browser.get(f"/mandanti/{acme.id}").get_data(as_text=True)
    assert 'name="retention_months"' in page and 'value="12"' in page
    browser.post(f"/mandanti/{acme.id}", dict(CREDITOR, name=acme.name, retention_months="24"))
    session.expire_all()
    assert session.get(Creditor, acme.id).retention_months == 24
    bad = browser.post(f"/mandanti/{acme.id}", dict(CREDITOR, name=acme.name,
                                                    retention_months="0"))
    assert bad.status_code == 400 and "i mesi di conservazione vanno da 1 a 120" in \
        bad.get_data(as_text=True)
