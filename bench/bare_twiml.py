"""The baseline of bench/webhooks.py: a bare Flask app answering every webhook path with one
static TwiML <Gather><Say>, served by the same gunicorn — what the framework alone allows."""
from flask import Flask, Response

TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/next" numDigits="1" '
         'timeout="6"><Say language="it-IT">Buongiorno, questo è un messaggio per lei. Se è lei, '
         'prema 1.</Say></Gather></Response>')

app = Flask(__name__)


@app.post("/ivr/<token>/<step>")
def webhook(token, step):
    return Response(TWIML, mimetype="application/xml")
