"""Configuration from the environment, with SPEC §4's defaults."""
from config import load_config


def test_defaults_are_those_of_the_spec():
    config = load_config({})
    assert config["DATABASE_URL"] == "sqlite:///instance/cortesia.db"
    assert config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert config["TWILIO_API_BASE_URL"] == "https://api.twilio.com"
    assert (config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_STARTTLS"]) == ("localhost", 25, False)
    assert config["TTS_ENGINE"] == "gtts" and config["TIMEZONE"] == "Europe/Rome"
    assert len(config["SECRET_KEY"]) >= 32


def test_without_twilio_credentials_the_simulator_answers():
    assert load_config({})["TELEPHONY"] == "simulator"
    assert load_config({"TWILIO_ACCOUNT_SID": "AC1"})["TELEPHONY"] == "twilio"
    assert load_config({"TWILIO_ACCOUNT_SID": "AC1", "TELEPHONY": "simulator"})["TELEPHONY"] == "simulator"


def test_a_trailing_slash_on_the_public_url_is_dropped():
    assert load_config({"PUBLIC_BASE_URL": "https://calls.example.it/"})["PUBLIC_BASE_URL"] == \
        "https://calls.example.it"


def test_each_start_without_secret_key_gets_a_new_random_one():
    assert load_config({})["SECRET_KEY"] != load_config({})["SECRET_KEY"]


def test_make_runs_mail_folder_is_used_only_without_an_smtp_server():
    offline = load_config({"MAIL_FOLDER": "auto"})
    assert offline["MAIL_FOLDER"] == "instance/mail" and offline["MAIL_FROM"]
    online = load_config({"MAIL_FOLDER": "auto", "SMTP_HOST": "mail.example.it"})
    assert online["MAIL_FOLDER"] is None and online["MAIL_FROM"] is None
    assert load_config({})["MAIL_FOLDER"] is None
    assert load_config({"MAIL_FOLDER": "/srv/mail"})["MAIL_FOLDER"] == "/srv/mail"
