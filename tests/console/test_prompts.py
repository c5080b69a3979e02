"""Recorded prompts in the console: upload per piece and language, listen, remove."""
import io

from sqlalchemy import select

from db.models import Recording
from tests.audio.conftest import encode, tone_wav
from tests.ivr.test_wording import answered, played, spoken


def upload(browser, creditor_id, slot, data, name="voce.mp3", language="it"):
    return browser.post(f"/mandanti/{creditor_id}/messaggi",
                        {"slot": slot, "language": language, "file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data", follow_redirects=True)


def test_an_admin_uploads_a_piece_and_can_listen_to_it(browser, users, session):
    browser.log_in("anna")
    creditor_id = users["creditor"].creditor_id
    page = upload(browser, creditor_id, "notice.1", encode(tone_wav(), "mp3")).get_data(as_text=True)
    assert "«notice.1» registrato: 2,3 s" in page
    recording = session.scalar(select(Recording))
    assert f'src="/audio/recordings/{recording.sha256}.wav"' in page
    assert "La informiamo che risulta ancora da pagare la fattura" in page
    assert browser.get(f"/audio/recordings/{recording.sha256}.wav").status_code == 200
    browser.post(f"/mandanti/{creditor_id}/messaggi/rimuovi", {"slot": "notice.1",
                                                                 "language": "it"})
    session.expire_all()
    assert session.scalar(select(Recording)) is None


def test_a_silent_upload_is_refused_with_the_reason(browser, users, session):
    browser.log_in("anna")
    page = upload(browser, users["creditor"].creditor_id, "menu", tone_wav(volume=-90.0),
                  "muta.wav").get_data(as_text=True)
    assert "non accettata: è muta: non c&#39;è nessun suono più forte di -50 dBFS" in page and session.scalar(select(Recording)) is None


def test_only_admins_manage_recordings(browser, users):
    browser.log_in("carlo")
    assert browser.get(f"/mandanti/{users['creditor'].creditor_id}/messaggi").status_code == 403


def test_a_file_name_or_a_slot_with_a_nul_is_refused_with_a_message(browser, users, session):
    browser.log_in("anna")
    creditor_id = users["creditor"].creditor_id
    page = upload(browser, creditor_id, "menu", tone_wav(), "voce\x00.wav").get_data(as_text=True)
    assert "non accettata: «Nome del file» contiene un carattere non ammesso" in page
    assert session.scalar(select(Recording)) is None
    removed = browser.post(f"/mandanti/{creditor_id}/messaggi/rimuovi",
                           {"slot": "menu\x00", "language": "it"}, follow_redirects=True)
    assert "Nulla è stato rimosso: «Messaggio» contiene" in removed.get_data(as_text=True)


def test_a_recording_uploaded_or_removed_in_the_console_is_heard_from_the_next_call(
        morning_calls, browser, users, session, client):
    # Each webhook process keeps the creditor's recordings (ivr.wording): the console's change
    # must reach the very next call, uploaded and removed alike.
    browser.log_in("anna")
    creditor = users["creditor"].creditor
    assert not played(answered(client, session, creditor, 1))
    for slot in ("greeting_confirm.1", "greeting_code.1"):
        upload(browser, creditor.id, slot, tone_wav(), "saluto.wav")
    twiml = answered(client, session, creditor, 2)
    assert any("/audio/recordings/" in url for url in played(twiml))
    assert "Buongiorno" not in spoken(twiml)
    for slot in ("greeting_confirm.1", "greeting_code.1"):
        browser.post(f"/mandanti/{creditor.id}/messaggi/rimuovi", {"slot": slot,
                                                                    "language": "it"})
    twiml = answered(client, session, creditor, 3)
    assert not played(twiml) and "Buongiorno" in spoken(twiml)
