"""Configuration from the environment (and `.env`), with every default in one place."""
import os
import secrets
from decimal import Decimal

from dotenv import load_dotenv

DEFAULTS = {
    "DATABASE_URL": "sqlite:///instance/cortesia.db",
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "TWILIO_API_BASE_URL": "https://api.twilio.com",
    "SMTP_HOST": "localhost",
    "SMTP_PORT": "25",
    "SMTP_STARTTLS": "off",
    # The PEC mailbox: implicit TLS (ssl) on 465 to send, on 993 to read its receipts;
    # `starttls` (587, 143) or `none` where the provider or a test server wants them.
    "PEC_SMTP_PORT": "465",
    "PEC_SMTP_SECURITY": "ssl",
    "PEC_IMAP_PORT": "993",
    "PEC_IMAP_SECURITY": "ssl",
    "TTS_ENGINE": "gtts",
    # Where synthesized clips are cached; the web processes and the worker must share it.
    "AUDIO_CACHE_DIR": "instance/audio-cache",
    "TIMEZONE": "Europe/Rome",
    # Beyond SPEC §4: the <Say> voice per language and the ring timeout of placed calls.
    "VOICE_IT": "Polly.Bianca",
    "VOICE_EN": "Polly.Amy",
    "RING_TIMEOUT": "30",
    # The dialer: calls per second (Twilio's default account rate; 0 = unpaced), calls ringing
    # at once for the whole account (0 = no cap), how long a claim may stay unplaced before
    # another dialer reconciles it, attempts claimed per batch, when a call that has not
    # reported its end is looked up at the provider (its final callback lost) and when it
    # stops counting as ringing; requests to the provider in flight at once.
    "DIAL_CALLS_PER_SECOND": "1",
    "DIAL_MAX_CONCURRENT": "0",
    "DIAL_LEASE_SECONDS": "300",
    "DIAL_BATCH_SIZE": "200",
    "DIAL_LOST_CALL_SECONDS": "900",
    "DIAL_STALE_CALL_SECONDS": "3600",
    "DIAL_PARALLEL_CALLS": "4",
    # Seconds a SQLite writer waits for another (a long list preview) before giving up.
    "SQLITE_BUSY_TIMEOUT": "30",
    # How SQLite commits reach the disk (db.SQLITE_SYNCHRONOUS): normal, full or extra.
    "SQLITE_SYNCHRONOUS": "normal",
    # Reverse proxies in front of the web process whose X-Forwarded-* headers are believed;
    # 0: gunicorn faces the clients, and a client could write those headers itself.
    "TRUSTED_PROXIES": "0",
    # Twilio's webhooks carry a few hundred bytes of form: a bigger body is refused unread.
    "WEBHOOK_MAX_BYTES": "16384",
    # PostgreSQL: seconds to connect, and seconds a statement may run (0: no limit), for every
    # process; a webhook has a budget of its own, shorter (ivr.unavailable, db.timeouts).
    "DATABASE_CONNECT_TIMEOUT": "3",
    "DATABASE_STATEMENT_TIMEOUT": "30",
    # Contact lists: rows a list may have (the header included), megabytes an XLSX may inflate
    # to, and how long the console waits for a preview before showing its progress instead.
    "IMPORT_MAX_ROWS": "200000",
    "IMPORT_MAX_UNCOMPRESSED_MB": "100",
    "IMPORT_WAIT_SECONDS": "3",
    # Amounts above this (in the list's currency) are warned of in the preview of a list, for
    # the admin to accept: not refused, a big invoice is possible, a misplaced comma likelier.
    "IMPORT_WARN_AMOUNT": "100000",
    # The contact policy: key 8 (opt-out) bars the number for every creditor of the
    # installation (`installation`), or only for the creditor the debtor pressed it for
    # (`creditor`).
    "OPT_OUT_SCOPE": "installation",
    # The HTTP API: bytes a request body may have (a batch of 1,000 positions is ~300 KB),
    # requests a key may make a minute (0: no limit).
    "API_MAX_BODY_BYTES": "4194304",
    "API_RATE_PER_MINUTE": "600",
    # Outgoing webhooks: seconds to wait for the creditor's server; http:// URLs and private,
    # loopback or link-local addresses only when allowed (development, tests).
    "WEBHOOK_TIMEOUT": "10",
    "WEBHOOK_ALLOW_HTTP": "off",
    "WEBHOOK_ALLOW_PRIVATE": "off",
    # Seconds between two refreshes of an open dashboard's figures (console.dashboard).
    "DASHBOARD_REFRESH_SECONDS": "5",
}

_TRUE = {"1", "true", "yes", "on"}
DEFAULT_MAIL_FOLDER = "instance/mail"
# The sender written on messages kept in the mail folder, when MAIL_FROM is not set.
OFFLINE_SENDER = "cortesia@localhost.invalid"


def load_config(environ=None):
    """Return the app configuration as a dict, read from `environ` (default: os.environ + .env)."""
    if environ is None:
        load_dotenv(override=False)
        environ = os.environ

    def get(name):
        value = environ.get(name)
        return value if value not in (None, "") else DEFAULTS.get(name)

    account_sid = get("TWILIO_ACCOUNT_SID")
    mail_folder = get("MAIL_FOLDER")
    if mail_folder == "auto":  # `make run`: a folder when no SMTP server is configured
        mail_folder = None if environ.get("SMTP_HOST") else DEFAULT_MAIL_FOLDER
    return {
        "DATABASE_URL": get("DATABASE_URL"),
        "SECRET_KEY": get("SECRET_KEY") or secrets.token_hex(32),
        "SECRET_KEY_GIVEN": bool(get("SECRET_KEY")),
        # Keys the hashes barred numbers keep once erased (contacts.privacy); SECRET_KEY if unset.
        "PRIVACY_KEY": get("PRIVACY_KEY"),
        "PUBLIC_BASE_URL": get("PUBLIC_BASE_URL").rstrip("/"),
        "TELEPHONY": get("TELEPHONY") or ("twilio" if account_sid else "simulator"),
        "TWILIO_ACCOUNT_SID": account_sid,
        "TWILIO_AUTH_TOKEN": get("TWILIO_AUTH_TOKEN"),
        "TWILIO_API_BASE_URL": get("TWILIO_API_BASE_URL").rstrip("/"),
        "TWILIO_CALLER_ID": get("TWILIO_CALLER_ID"),
        "SMTP_HOST": get("SMTP_HOST"),
        "SMTP_PORT": int(get("SMTP_PORT")),
        "SMTP_USERNAME": get("SMTP_USERNAME"),
        "SMTP_PASSWORD": get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": get("SMTP_STARTTLS").lower() in _TRUE,
        "MAIL_FROM": get("MAIL_FROM") or (OFFLINE_SENDER if mail_folder else None),
        "MAIL_FOLDER": mail_folder,
        "SMS_SENDER": get("SMS_SENDER"),
        "PEC_SMTP_HOST": get("PEC_SMTP_HOST"),
        "PEC_SMTP_PORT": int(get("PEC_SMTP_PORT")),
        "PEC_SMTP_SECURITY": get("PEC_SMTP_SECURITY").lower(),
        "PEC_USERNAME": get("PEC_USERNAME"),
        "PEC_PASSWORD": get("PEC_PASSWORD"),
        "PEC_FROM": get("PEC_FROM"),
        "PEC_IMAP_HOST": get("PEC_IMAP_HOST"),
        "PEC_IMAP_PORT": int(get("PEC_IMAP_PORT")),
        "PEC_IMAP_SECURITY": get("PEC_IMAP_SECURITY").lower(),
        "TTS_ENGINE": get("TTS_ENGINE").lower(),
        "AUDIO_CACHE_DIR": get("AUDIO_CACHE_DIR"),
        "TIMEZONE": get("TIMEZONE"),
        "VOICES": {"it": get("VOICE_IT"), "en": get("VOICE_EN")},
        "RING_TIMEOUT": int(get("RING_TIMEOUT")),
        "SIMULATOR_SEED": get("SIMULATOR_SEED"),
        "DIAL_CALLS_PER_SECOND": float(get("DIAL_CALLS_PER_SECOND")),
        "DIAL_MAX_CONCURRENT": int(get("DIAL_MAX_CONCURRENT")),
        "DIAL_LEASE_SECONDS": int(get("DIAL_LEASE_SECONDS")),
        "DIAL_BATCH_SIZE": int(get("DIAL_BATCH_SIZE")),
        "DIAL_LOST_CALL_SECONDS": int(get("DIAL_LOST_CALL_SECONDS")),
        "DIAL_STALE_CALL_SECONDS": int(get("DIAL_STALE_CALL_SECONDS")),
        "DIAL_PARALLEL_CALLS": int(get("DIAL_PARALLEL_CALLS")),
        "SQLITE_BUSY_TIMEOUT": float(get("SQLITE_BUSY_TIMEOUT")),
        "SQLITE_SYNCHRONOUS": get("SQLITE_SYNCHRONOUS").lower(),
        "TRUSTED_PROXIES": int(get("TRUSTED_PROXIES")),
        "WEBHOOK_MAX_BYTES": int(get("WEBHOOK_MAX_BYTES")),
        "DATABASE_CONNECT_TIMEOUT": int(get("DATABASE_CONNECT_TIMEOUT")),
        "DATABASE_STATEMENT_TIMEOUT": float(get("DATABASE_STATEMENT_TIMEOUT")),
        "IMPORT_MAX_ROWS": int(get("IMPORT_MAX_ROWS")),
        "IMPORT_MAX_UNCOMPRESSED_MB": int(get("IMPORT_MAX_UNCOMPRESSED_MB")),
        "IMPORT_WAIT_SECONDS": float(get("IMPORT_WAIT_SECONDS")),
        "IMPORT_WARN_AMOUNT": Decimal(get("IMPORT_WARN_AMOUNT")),
        "OPT_OUT_SCOPE": _opt_out_scope(get("OPT_OUT_SCOPE")),
        "API_MAX_BODY_BYTES": int(get("API_MAX_BODY_BYTES")),
        "API_RATE_PER_MINUTE": int(get("API_RATE_PER_MINUTE")),
        "WEBHOOK_TIMEOUT": float(get("WEBHOOK_TIMEOUT")),
        "WEBHOOK_ALLOW_HTTP": get("WEBHOOK_ALLOW_HTTP").lower() in _TRUE,
        "WEBHOOK_ALLOW_PRIVATE": get("WEBHOOK_ALLOW_PRIVATE").lower() in _TRUE,
        "DASHBOARD_REFRESH_SECONDS": max(int(get("DASHBOARD_REFRESH_SECONDS")), 1),
    }


def _opt_out_scope(value):
    scope = value.strip().lower()
    if scope not in ("installation", "creditor"):
        raise ValueError(f"OPT_OUT_SCOPE must be installation or creditor, not {value!r}")
    return scope


def instance_secret(folder):
    """A SECRET_KEY kept in `folder`/secret_key (made once, readable by its owner only), so
    that all processes on this machine sign console sessions alike when none is configured."""
    path = os.path.join(folder, "secret_key")
    try:
        with open(path) as kept:
            key = kept.read().strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    os.makedirs(folder, exist_ok=True)
    key = secrets.token_hex(32)
    handle = os.open(path + ".part", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w") as kept:
        kept.write(key)
    os.replace(path + ".part", path)
    return key
