"""Finding a person's values quoted inside texts (pure: no database)."""
from types import SimpleNamespace

from contacts.quoting import ERASED, Quoted, phone_writings


def mario():
    quoted = Quoted()
    quoted.add_position(SimpleNamespace(name="Mario Rossi", phone="+393331234567",
                                        email="mario.rossi@example.test", pec=None,
                                        verification_code="4821"))
    return quoted


def test_a_number_is_found_in_each_writing_a_text_may_quote_it_in():
    assert phone_writings("+393331234567") == ["+393331234567", "393331234567", "3331234567"]


def test_names_and_addresses_are_replaced_whatever_their_case():
    text = "Gentile MARIO ROSSI, scriva a Mario.Rossi@Example.TEST o chiami il 3331234567"
    assert mario().text(text) == f"Gentile {ERASED}, scriva a {ERASED} o chiami il {ERASED}"


def test_the_whole_number_goes_not_a_part_of_it():
    assert mario().text("To +393331234567: busy") == f"To {ERASED}: busy"


def test_a_details_values_are_cleaned_at_every_depth_and_the_code_masked_among_keys():
    detail = {"to": "mario.rossi@example.test", "n": 3, "list": [{"who": "Mario Rossi"}],
              "digits": "4821,1", "amount": "4821.00"}
    assert mario().detail(detail) == {"to": ERASED, "n": 3, "list": [{"who": ERASED}],
                                      "digits": "****,1", "amount": "4821.00"}


def test_texts_without_a_personal_value_are_left_as_they_are():
    assert mario().text("Sollecito di pagamento") == "Sollecito di pagamento"
    assert mario().text(None) is None
