"""A creditor's own playbook refused, said in Italian with its line number: domain.playbooks
words its errors in English for the command line; the console's users read Italian."""
import re

# (the English reason of a PlaybookError, its Italian wording); groups carry the user's words.
REASONS = (
    (r"nothing may follow the '(\w+)' line", "dopo la riga «{0}» non può esserci altro"),
    (r"day (\d+) comes before day (\d+) of the line above: list the steps in order of day",
     "il giorno {0} viene prima del giorno {1} della riga sopra: scriva i passi in ordine di "
     "giorno"),
    (r"the playbook has no step: write at least one line like '0 call'",
     "il percorso non ha nessun passo: scriva almeno una riga come «0 call»"),
    (r"at most (\d+) steps", "al massimo {0} passi"),
    (r"'(.*)' has too many words: write DAY CHANNEL \[MESSAGE\]",
     "«{0}» ha troppe parole: scriva GIORNO CANALE [MESSAGGIO]"),
    (r"'(.*)' is not a day between 0 and (\d+)", "«{0}» non è un giorno tra 0 e {1}"),
    (r"day (\d+) has no channel", "al giorno {0} manca il canale"),
    (r"a '(\w+)' step takes no message", "un passo «{0}» non prevede un messaggio"),
    (r"'(.*)' is not an SMS message: use (.*)", "«{0}» non è un messaggio SMS: usi {1}"),
    (r"'(.*)' is not a channel: use (.*)", "«{0}» non è un canale: usi {1}"),
    (r"a '(\w+)' step needs a message: (.*)", "un passo «{0}» richiede un messaggio: {1}"),
)
_LINE = re.compile(r"^line \d+: ")


def italian(error):
    """The Italian sentence for `error` (a PlaybookError): `riga N: …` when it names a line."""
    reason = _LINE.sub("", str(error))
    for pattern, wording in REASONS:
        match = re.fullmatch(pattern, reason)
        if match:
            reason = wording.format(*match.groups())
            break
    return f"riga {error.line}: {reason}" if error.line else reason
