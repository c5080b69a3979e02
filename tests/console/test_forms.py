"""What the console's forms take: no control characters in text, ids that fit the database;
and a sweep of odd values through every form and address, none of which may answer 500."""
import io
from datetime import timedelta

import pytest

from console.forms import FormError, clean_text, record_id, shown
from db.models import CallbackRequest, utcnow
from tests.audio.conftest import tone_wav
from tests.console.test_lists import SAMPLE
from tests.factories import make_attempt, make_position

ODD = ["a\x00b", "riga\x1b[31m", "1e999999", "99999999999999999", "2147483648",
       "99999999999999999999", "²", "-1", "NaN", "x" * 5000]


def test_text_with_a_nul_or_another_control_character_is_refused_by_name():
    with pytest.raises(FormError, match="«Nota» contiene un carattere non ammesso"):
        clean_text("paga\x00 domani", "Nota", multiline=True)
    with pytest.raises(FormError):
        clean_text("Acme\nEnergia", "Nome")
    assert clean_text("  paga\r\ndomani\t", "Nota", multiline=True) == "paga\r\ndomani"
    assert shown("pa\x00ga\x1b") == "paga"


@pytest.mark.parametrize("text, expected", [("12", 12), ("2147483647", 2147483647)])
def test_an_id_is_ascii_digits_that_fit_an_integer_column(text, expected):
    assert record_id(text) == expected


@pytest.mark.parametrize("text", ["", "0", "-1", "²", "٣", "2147483648", "1e3", " 7"])
def test_anything_else_is_no_id(text):
    with pytest.raises(ValueError):
        record_id(text)


@pytest.fixture
def quiet(app):
    """Errors answered as the server would, 500, instead of raised into the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def sweep(browser, users, session):
    """(what, response) for each odd value in each field of each console form and address."""
    creditor_id = users["creditor"].creditor_id
    position = make_position(session, users["creditor"].creditor)
    attempt = make_attempt(session, position, status="completed", placed_at=utcnow())
    request = CallbackRequest(position_id=position.id, attempt_id=attempt.id,
                              requested_at=utcnow())
    session.add(request)
    session.commit()
    promised = (utcnow() + timedelta(days=3)).date().isoformat()
    with open(SAMPLE, "rb") as sample:
        contacts, voice = sample.read(), tone_wav()
    forms = [
        ("/mandanti/nuovo", {"name": "Zeta", "caller_id": "+390612345678", "windows": "",
                             "max_attempts": "", "min_gap": "", "timezone": "", "language": "",
                             "country": "", "report_email": "", "spoken_name": "",
                             "max_concurrent": ""}),
        (f"/mandanti/{creditor_id}", {"name": "Acme Energia", "caller_id": "+390212345678"}),
        ("/utenti", {"username": "zeno", "password": "una-password-lunga", "role": "creditor",
                     "creditor": str(creditor_id)}),
        (f"/mandanti/{creditor_id}/messaggi/rimuovi", {"slot": "menu", "language": "it"}),
        (f"/richiamate/{request.id}/esito", {"result": "promise", "promise_date": promised,
                                             "promise_amount": "10", "note": "n"}),
        ("/posizioni", {"cerca": "rossi", "esito": "", "creditore": "", "giorno": ""}),
        ("/liste/conferma", {"token": "0" * 32 + ".csv"}),
        ("/liste/annulla", {"token": "0" * 32 + ".csv"}),
    ]
    gets = ["/login?next={}", "/posizioni?ricerca={}", "/posizioni?giorno={}",
            "/posizioni?creditore={}", "/posizioni?esito={}", "/posizioni?pagina={}",
            "/cruscotto?creditore={}", f"/mandanti/{creditor_id}/messaggi?lingua={{}}",
            "/rapporti/{}.csv", "/richiamate/{}", "/posizioni/{}", "/mandanti/{}",
            "/mandanti/{}/messaggi", "/liste/lavoro/{}"]
    browser.log_in("anna")
    for odd in ODD:
        for path, form in forms:
            for field in form:
                if "esito" in path:   # the request open and claimed, as a result needs
                    session.execute(CallbackRequest.__table__.update().values(
                        status="open", claimed_by=None, claimed_until=None))
                    session.commit()
                    browser.post(f"/richiamate/{request.id}/prendi")
                yield (path, field, odd), browser.post(path, dict(form, **{field: odd}))
        for path in gets:
            yield (path, odd), browser.get(path.format(odd))
        yield ("/utenti/ID/disattiva", odd), browser.post(f"/utenti/{odd}/disattiva")
        yield ("/liste", "creditor", odd), browser.post(
            "/liste", {"creditor": odd, "file": (io.BytesIO(contacts), "lista.csv")},
            content_type="multipart/form-data")
        for path, fields, content, suffix in (
                ("/liste", {"creditor": str(creditor_id)}, contacts, ".csv"),
                (f"/mandanti/{creditor_id}/messaggi", {"slot": "menu", "language": "it"}, voice,
                 ".wav")):
            yield (path, "file name", odd), browser.post(
                path, dict(fields, file=(io.BytesIO(content), odd + suffix)),
                content_type="multipart/form-data")


def test_no_odd_value_in_any_console_form_or_address_answers_500(browser, users, session, quiet):
    answers = [(tuple(repr(part)[:24] for part in what), response)
               for what, response in sweep(browser, users, session)]
    assert len(answers) > 350
    assert [what for what, response in answers if response.status_code >= 500] == []
