"""Every reason domain.playbooks gives for refusing a playbook is said in Italian, through the
catalogue, with its line; the command line keeps the English."""
import pytest

from console.i18n import say
from domain.playbooks import PlaybookError, parse_playbook


@pytest.mark.parametrize("text, expected, english", [
    ("0 call\n30 end\n31 call\n", "riga 3: dopo la riga «end» non può esserci altro",
     "line 3: nothing may follow the 'end' line"),
    ("5 call\n2 call\n", "riga 2: il giorno 2 viene prima del giorno 5 della riga sopra",
     "line 2: day 2 comes before day 5"),
    ("# nothing\n", "il percorso non ha nessun passo", "the playbook has no step"),
    ("".join(f"{d} call\n" for d in range(60)), "al massimo 50 passi", "at most 50 steps"),
    ("0 email sollecito adesso\n", "riga 1: «0 email sollecito adesso» ha troppe parole",
     "line 1: '0 email sollecito adesso' has too many words"),
    ("0 call\nlunedì call\n", "riga 2: «lunedì» non è un giorno tra 0 e 366",
     "line 2: 'lunedì' is not a day between 0 and 366"),
    ("4\n", "riga 1: al giorno 4 manca il canale", "line 1: day 4 has no channel"),
    ("0 call sollecito\n", "riga 1: un passo «call» non prevede un messaggio",
     "line 1: a 'call' step takes no message"),
    ("0 sms sollecito\n", "riga 1: «sollecito» non è un messaggio SMS: usi contatto",
     "line 1: 'sollecito' is not an SMS message: use contatto"),
    ("0 fax sollecito\n", "riga 1: «fax» non è un canale: usi call, email",
     "line 1: 'fax' is not a channel: use call, email"),
    ("0 pec\n", "riga 1: un passo «pec» richiede un messaggio: verifica_contabile",
     "line 1: a 'pec' step needs a message: verifica_contabile"),
])
def test_each_refusal_is_said_in_italian_with_its_line(app, text, expected, english):
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text)
    assert str(caught.value).startswith(english), str(caught.value)
    with app.test_request_context("/"):
        said = say(caught.value)
    assert said.startswith(expected), said
