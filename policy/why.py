"""Why a position was or was not contacted: its policy decisions said in plain words, for the
command line (`why`) and the console's "Perché" section alike."""
from policy.audit import decisions_of, explain
from policy.gate import creditor_rules


def why_lines(session, position, language="en"):
    """One sentence per decision about `position`, oldest first."""
    rules = creditor_rules(position.creditor)
    return [explain(decision, rules, language) for decision in decisions_of(session, position.id)]
