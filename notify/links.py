"""The personal link to the debtor's page that every email and SMS carries (SPEC §1.6)."""
from zoneinfo import ZoneInfo

from domain.page_links import link_expiry, make_token, page_url
from domain.playbooks import playbook_of


def page_link(config, position, channel, now):
    """The link to `position`'s page for a message on `channel` (email, pec, sms) made at
    `now`: signed with SECRET_KEY, under PUBLIC_BASE_URL, valid to the end of the phase."""
    creditor = position.creditor
    today = now.astimezone(ZoneInfo(creditor.timezone)).date()
    playbook = playbook_of(creditor.playbook, creditor.playbook_steps)
    expires_on = link_expiry(playbook, position.phase_start, today, creditor.country)
    token = make_token(config["SECRET_KEY"], position.id, channel, expires_on)
    return page_url(config["PUBLIC_BASE_URL"], token)
