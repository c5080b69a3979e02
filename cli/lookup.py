"""Finding a creditor named on the command line, and printing rows as a table."""
import click
from sqlalchemy import select

from db.models import Creditor


def find_creditor(session, name):
    """The creditor called `name`, or a ClickException listing the known ones."""
    creditor = session.scalar(select(Creditor).where(Creditor.name == name))
    if creditor is None:
        known = ", ".join(session.scalars(select(Creditor.name).order_by(Creditor.name))) or "none"
        raise click.ClickException(f"no creditor named '{name}' (known: {known})")
    return creditor


def format_table(headers, rows):
    """Left-aligned columns under a dashed header line."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = [headers, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip()
                     for line in lines)
