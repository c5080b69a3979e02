from domain.outcomes import MAIL_FALLBACK_OUTCOMES, NUMBER_BLOCKING_OUTCOMES, OUTCOMES, Outcome


def test_outcomes_are_the_words_stored_and_documented():
    assert OUTCOMES == ["confirmed", "wrong_person", "identity_failed", "callback_requested",
                        "declared_paid", "promised", "disputed", "opted_out", "no_answer"]
    assert Outcome("opted_out") is Outcome.OPTED_OUT


def test_the_fallback_outcomes_mail_the_notice_and_bar_the_number_with_an_opt_out():
    assert MAIL_FALLBACK_OUTCOMES == {"wrong_person", "identity_failed"}
    assert NUMBER_BLOCKING_OUTCOMES == MAIL_FALLBACK_OUTCOMES | {"opted_out"}
