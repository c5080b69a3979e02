"""What every part's commands share: the `--now` clock, finding a creditor by name, tables.

A part's commands import from here, never from another part's commands, so no two parts need
each other for their command lines.
"""
