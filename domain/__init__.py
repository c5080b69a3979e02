"""The words of the domain, one home each, importable by pure code: no Flask, no database.

`CallWindow` (windows.py), `Outcome` (outcomes.py), Twilio's call statuses (calls.py) and the
phone mask (phones.py). The models, the call flow, the scheduler and the console all take
their vocabulary from here.
"""
