"""Where Twilio's <Play> fetches the audio of audio.views, under PUBLIC_BASE_URL: a home of
their own, so that what builds a call's TwiML need not import a blueprint module."""
from flask import current_app


def recording_url(sha256, app=None):
    """The absolute URL Twilio plays a recording from."""
    return f"{(app or current_app).config['PUBLIC_BASE_URL']}/audio/recordings/{sha256}.wav"


def clip_url(key, app=None):
    """The absolute URL Twilio plays a synthesized clip from."""
    return f"{(app or current_app).config['PUBLIC_BASE_URL']}/audio/clips/{key}.mp3"
