"""The contact policy (SPEC §5): whether a debtor may be contacted now, on which channel, and why.

`rules` holds the presets and their named settings, `decide` the pure decision over facts,
`facts` gathers those facts across every creditor of the installation, `audit` keeps each
decision and says it in plain words, `gate` is what the dialer and the outbox ask.
"""


def init_app(app):
    """Register `flask why REFERENCE`."""
    from policy.cli import why_command

    app.cli.add_command(why_command)
