"""Every reason domain.playbooks gives for refusing a playbook is said in Italian."""
import pytest

from console.playbook_errors import italian
from domain.playbooks import PlaybookError, parse_playbook


@pytest.mark.parametrize("text, expected", [
    ("0 call\n30 end\n31 call\n", "riga 3: dopo la riga «end» non può esserci altro"),
    ("5 call\n2 call\n", "riga 2: il giorno 2 viene prima del giorno 5 della riga sopra"),
    ("# nothing\n", "il percorso non ha nessun passo"),
    ("".join(f"{d} call\n" for d in range(60)), "al massimo 50 passi"),
    ("0 email sollecito adesso\n", "riga 1: «0 email sollecito adesso» ha troppe parole"),
    ("0 call\nlunedì call\n", "riga 2: «lunedì» non è un giorno tra 0 e 366"),
    ("4\n", "riga 1: al giorno 4 manca il canale"),
    ("0 call sollecito\n", "riga 1: un passo «call» non prevede un messaggio"),
    ("0 sms sollecito\n", "riga 1: «sollecito» non è un messaggio SMS: usi contatto"),
    ("0 fax sollecito\n", "riga 1: «fax» non è un canale: usi call, email"),
    ("0 pec\n", "riga 1: un passo «pec» richiede un messaggio: verifica_contabile"),
])
def test_each_refusal_is_said_in_italian_with_its_line(text, expected):
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text)
    said = italian(caught.value)
    assert said.startswith(expected), said


def test_an_unknown_reason_still_names_its_line():
    assert italian(PlaybookError(4, "something new")) == "riga 4: something new"
