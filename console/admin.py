"""Admin pages: creditors (create and edit, with the same checks as `flask creditor`) and
console users (create; on each one's page a new password, disable after a confirmation,
enable again: what `flask user` does)."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from console.accounts import AccountError, create_user, set_active, set_password
from console.forms import FormError, clean_text, record_id, shown
from console.i18n import say
from console.security import login_required
from console.views import bp
from contacts.creditors import (
    DEFAULT_WINDOWS, PLAYBOOKS, POLICY_OPTIONS, SettingError, check_name,
    creditor_settings, format_duration, playbook_text, policy_values,
)
from contacts.status import follow_new_playbook
from db import get_session
from db.models import ROLES, Creditor, User, utcnow
from domain.playbooks import CUSTOM
from console.choices import LANGUAGE_CHOICES, TIMEZONES, countries
from policy.audit import record_looser
from policy.rules import PRESETS

# Form field → (label, `creditor_settings` option); the name is checked on its own.
FIELDS = (("caller_id", "Numero chiamante (E.164)"), ("windows", "Fasce orarie"),
          ("max_attempts", "Tentativi al massimo"), ("min_gap", "Intervallo minimo"),
          ("timezone", "Fuso orario"), ("language", "Lingua"), ("country", "Paese"),
          ("report_email", "Email per il rapporto"), ("spoken_name", "Nome pronunciato"),
          ("max_concurrent", "Chiamate contemporanee (0: nessun limite)"),
          ("late_fee", "Penale fissa per fattura (EUR)"),
          ("late_interest_rate", "Interessi di mora annui (%)"), ("sms_sender", "Mittente SMS"),
          ("contact_email", "Email di contatto"), ("contact_phone", "Telefono di contatto"),
          ("promise_grace_days", "Giorni di tolleranza dopo una promessa"),
          ("verify_days", "Giorni per verificare un pagamento dichiarato"),
          ("payment_link", "Link di pagamento"),
          ("retention_months", "Mesi di conservazione dei dati personali"))
HELP = {
    "caller_id": "Obbligatorio: il numero che i debitori vedono, in formato internazionale, "
                 "ad es. +390212345678 (lo stesso controllo del comando «creditor»).",
    "windows": "Orari in cui si chiama, sull'ora del mandante, separati da virgole e in ordine, "
               "ad es. 08:30-12:00,14:00-17:00,18:00-21:00. Mai di domenica e nei festivi.",
    "max_attempts": "Chiamate al massimo per giro, da 1 a 10; ad es. 3.",
    "min_gap": "Tra un tentativo e il successivo, in una fascia diversa: ad es. 2h, 90m, 1h30m.",
    "timezone": "L'ora del mandante: fasce, rapporti e orari delle pagine si leggono su questa.",
    "language": "La lingua predefinita dei debitori (la lista può indicarla per ciascuno).",
    "country": "Per leggere i numeri scritti senza prefisso internazionale.",
    "late_fee": "Nel «sollecito e oneri»; vuoto o 0: nessuna penale.",
    "late_interest_rate": "Tasso annuo sui giorni di ritardo, ad es. 8; vuoto: nessun interesse.",
    "sms_sender": "Numero E.164 o fino a 11 lettere e cifre; vuoto: quello predefinito.",
    "contact_email": "Dove i debitori scrivono: compare in email e SMS.",
    "contact_phone": "Il numero che i debitori chiamano (E.164): compare in email e SMS.",
    "promise_grace_days": "Dopo la data promessa, giorni di attesa prima di riprendere i contatti.",
    "verify_days": "Pausa dei contatti mentre il mandante controlla un pagamento dichiarato.",
    "payment_link": "Indirizzo https dove il debitore paga, con {reference} (la pratica) e "
                    "{amount} (l'importo dovuto), ad es. https://paga.example.it/?rif={reference}"
                    "&importo={amount}; vuoto: nessun link. Compare sulla pagina del debitore.",
    "retention_months": "Dopo questi mesi da quando è pagata, chiusa o conclusa, una pratica "
                        "viene anonimizzata: nome, recapiti, messaggi e registrazioni "
                        "cancellati, importi ed esiti conservati.",
}
# Emptied, these fields clear the setting; the others, emptied, keep what is there (but the
# caller ID, which is required: emptied, the same check as the command line refuses it).
REQUIRED = ("caller_id",)
CLEARABLE = ("report_email", "spoken_name", "late_fee", "late_interest_rate", "sms_sender",
             "contact_email", "contact_phone", "payment_link")
PLAYBOOK_LABELS = {"primo-sollecito": "primo-sollecito (una chiamata)",
                   "cortesia-30": "cortesia-30 (email, chiamate e PEC in 30 giorni)",
                   CUSTOM: "personalizzato (i passi qui sotto)"}
# The contact policy: its preset, and the numbers a creditor may tighten (empty: the preset's).
POLICY_LABELS = {"it": "it (codice di condotta UNIREC)", "us-regf": "us-regf (Regulation F)",
                 "strict": "strict (it, più identificazione col codice e 1 tentativo al giorno)"}
POLICY_FIELDS = (("max_conversations_per_day", "Conversazioni al giorno al massimo"),
                 ("max_conversations_per_week", "Conversazioni a settimana al massimo"),
                 ("max_attempts_per_day", "Tentativi di chiamata al giorno al massimo"),
                 ("max_attempts_per_7_days", "Tentativi di chiamata in 7 giorni al massimo"),
                 ("quiet_days_after_conversation", "Giorni senza chiamate dopo una conversazione"),
                 ("max_written_per_month", "Richieste scritte (SMS, email) al mese al massimo"))
DEFAULTS = {"windows": DEFAULT_WINDOWS, "max_attempts": "3", "min_gap": "2h", "language": "it",
            "timezone": "Europe/Rome", "country": "IT", "max_concurrent": "0",
            "promise_grace_days": "3", "verify_days": "7", "retention_months": "12",
            "playbook": "primo-sollecito", "playbook_text": "", "require_code": False,
            "policy": "it", "allow_looser": ""}


# Fields typed as numbers: a phone's keypad shows digits.
KINDS = {"max_attempts": "numeric", "max_concurrent": "numeric", "promise_grace_days": "numeric",
         "verify_days": "numeric", "retention_months": "numeric", "late_fee": "decimal",
         "late_interest_rate": "decimal", "caller_id": "tel", "contact_phone": "tel"}


def choices(values):
    """The fields with a fixed set of values, as (value, label) lists; a stored value that is
    not among them any more (an old zone name) is kept as a choice, so saving keeps it."""
    offered = {"timezone": TIMEZONES, "language": LANGUAGE_CHOICES, "country": countries()}
    for key, options in offered.items():
        if values.get(key) and values[key] not in dict(options):
            offered[key] = [(values[key], values[key]), *options]
    return offered


@bp.get("/mandanti")
@login_required("admin")
def creditors():
    return render_template("console/creditors.html", creditors=get_session().scalars(
        select(Creditor).order_by(Creditor.name)).all(), format_duration=format_duration)


@bp.route("/mandanti/nuovo", methods=["GET", "POST"])
@login_required("admin")
def new_creditor():
    return _creditor_form(None)


@bp.route("/mandanti/<id:creditor_id>", methods=["GET", "POST"])
@login_required("admin")
def edit_creditor(creditor_id):
    return _creditor_form(get_session().get(Creditor, creditor_id) or abort(404))


def _creditor_form(creditor):
    session = get_session()
    values = dict(DEFAULTS) if creditor is None else _current(creditor)
    if request.method == "POST":
        values = _posted()
        try:
            _printable(values)
            name = check_name(values["name"])
            settings = creditor_settings(**_options(values))
            policy, looser = _policy(creditor, values)
            clash = session.scalar(select(Creditor).where(func.lower(Creditor.name) == name.lower()))
            if clash is not None and clash is not creditor:
                raise FormError(f"esiste già un mandante di nome «{clash.name}»")
        except (SettingError, FormError) as exc:
            return _refused(creditor, values, say(exc))
        if creditor is None:
            creditor = Creditor(name=name)
            session.add(creditor)
        creditor.name = name
        for attribute, value in {**settings, **policy}.items():
            setattr(creditor, attribute, value)
        session.flush()
        record_looser(session, creditor.id, policy, looser, utcnow(),
                      f"console:{g.user.username}")
        if "playbook" in settings:
            follow_new_playbook(session, creditor)
        session.commit()
        flash(f"Mandante «{name}» salvato.", "info")
        return redirect(url_for("console.creditors"))
    return _page(creditor, values)


def _policy(creditor, values):
    """The creditor's policy attributes from the form, and the numbers newly allowed looser."""
    current = (creditor.policy, creditor.policy_settings) if creditor else ("it", {})
    # Only what was changed: saving other fields must not ask again for a kept allowance.
    numbers = {name: values[name] for name in POLICY_OPTIONS
               if values[name] != _own(current[1], name)}
    preset = values["policy"] if values["policy"] and values["policy"] != current[0] else None
    try:
        return policy_values(*current, preset, numbers, bool(values["allow_looser"]))
    except SettingError as exc:
        raise SettingError("policy_form", reason=exc) from None


def _page(creditor, values):
    return render_template("console/creditor.html", creditor=creditor, values=values,
                           fields=FIELDS, help=HELP, playbooks=PLAYBOOKS, labels=PLAYBOOK_LABELS,
                           presets=PRESETS, policy_labels=POLICY_LABELS,
                           policy_fields=POLICY_FIELDS, choices=choices(values),
                           required=REQUIRED, kinds=KINDS)


def _refused(creditor, values, reason):
    flash(f"Non salvato: {reason}.", "error")
    values = dict(values, playbook_shown=values["playbook_text"])   # what the page shows now
    return _page(creditor, {key: value if isinstance(value, bool) else shown(value)
                            for key, value in values.items()}), 400


def _posted():
    values = {key: request.form.get(key, "").strip() for key, _ in FIELDS}
    values["name"] = request.form.get("name", "")
    values["playbook"] = request.form.get("playbook", "").strip()
    values["playbook_text"] = request.form.get("playbook_text", "")
    values["playbook_shown"] = request.form.get("playbook_shown", "")
    values["require_code"] = bool(request.form.get("require_code"))
    values["policy"] = request.form.get("policy", "").strip()
    values["allow_looser"] = request.form.get("allow_looser", "")
    values.update({key: request.form.get(key, "").strip() for key, _ in POLICY_FIELDS})
    return values


def _options(values):
    """The `creditor_settings` options of the form: own steps only with `personalizzato`."""
    options = {key: values[key] for key, _ in FIELDS
               if values[key] != "" or key in CLEARABLE or key in REQUIRED}
    options["require_code"] = values["require_code"]   # a checkbox: unticked is sent as nothing
    if values["playbook"]:
        options["playbook"] = values["playbook"]
    if values["playbook"] == CUSTOM:
        if not values["playbook_text"].strip():
            raise FormError("per il percorso personalizzato scriva i passi, uno per riga")
        options["playbook_text"] = values["playbook_text"]
    elif _lines(values["playbook_text"]) != _lines(values["playbook_shown"]):
        # Edited steps under a built-in choice would be dropped without a word.
        raise FormError("ha modificato i passi: per usarli scelga «personalizzato» come "
                        "percorso")
    return options


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def _printable(values):
    """FormError for the first field holding a control character (a NUL breaks PostgreSQL)."""
    for key, label in (("name", "Nome"),) + FIELDS + POLICY_FIELDS:
        clean_text(values[key], label)
    for key in ("playbook_text", "playbook_shown"):
        clean_text(values[key], "Passi personalizzati", multiline=True)


def _number(value):
    """A stored Decimal as typed: 40 for 40.00, 8.5 for 8.500, '' for none."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _current(creditor):
    return {"name": creditor.name, "caller_id": creditor.caller_id or "",
            "windows": creditor.windows, "max_attempts": str(creditor.max_attempts),
            "min_gap": format_duration(creditor.min_gap_seconds), "timezone": creditor.timezone,
            "language": creditor.language, "country": creditor.country,
            "report_email": creditor.report_email or "", "spoken_name": creditor.spoken_name or "",
            "max_concurrent": str(creditor.max_concurrent_calls or 0),
            "late_fee": _number(creditor.late_fee),
            "late_interest_rate": _number(creditor.late_interest_rate),
            "sms_sender": creditor.sms_sender or "", "contact_email": creditor.contact_email or "",
            "contact_phone": creditor.contact_phone or "",
            "promise_grace_days": str(creditor.promise_grace_days),
            "verify_days": str(creditor.verify_days), "playbook": creditor.playbook,
            "payment_link": creditor.payment_link or "", "require_code": creditor.require_code,
            "retention_months": str(creditor.retention_months),
            "playbook_text": playbook_text(creditor) if creditor.playbook in PLAYBOOKS else "",
            "policy": creditor.policy, "allow_looser": "",
            **{key: _own(creditor.policy_settings, key) for key, _ in POLICY_FIELDS}}


def _own(settings, key):
    """A creditor's own policy number as the form shows it: '' for the preset's."""
    if key not in (settings or {}):
        return ""
    return "none" if settings[key] is None else str(settings[key])


@bp.route("/utenti", methods=["GET", "POST"])
@login_required("admin")
def users():
    session = get_session()
    typed, status = {}, 200
    if request.method == "POST":
        form = request.form
        creditor = session.get(Creditor, form.get("creditor", type=record_id) or 0) \
            if form.get("role") == "creditor" else None
        try:
            user = create_user(session, clean_text(form.get("username"), "Nome utente"),
                               form.get("password"), form.get("role"), creditor)
            session.commit()
            flash(f"Utente «{user.username}» creato.", "info")
            return redirect(url_for("console.users"))
        except (AccountError, FormError) as exc:
            session.rollback()
            flash(f"Non creato: {say(exc) if isinstance(exc, AccountError) else exc}.", "error")
            # Kept for the next try, but for the password, which is never sent back.
            typed = {key: shown(form.get(key)) for key in ("username", "role", "creditor")}
            status = 400
    return render_template("console/users.html", roles=ROLES, typed=typed,
                           users=session.scalars(select(User).order_by(User.username)).all(),
                           creditors=session.scalars(select(Creditor).order_by(Creditor.name)).all()
                           ), status


@bp.get("/utenti/<id:user_id>")
@login_required("admin")
def user_page(user_id):
    user = get_session().get(User, user_id) or abort(404)
    return render_template("console/user.html", shown_user=user)


@bp.post("/utenti/<id:user_id>/password")
@login_required("admin")
def user_password(user_id):
    """A new password the admin hands over: the user's open sessions end."""
    session = get_session()
    user = session.get(User, user_id) or abort(404)
    try:
        set_password(session, user, request.form.get("password"), temporary=True)
    except AccountError as exc:
        session.rollback()
        flash(f"Password non cambiata: {say(exc)}.", "error")
        return render_template("console/user.html", shown_user=user), 400
    session.commit()
    flash(f"Nuova password per «{user.username}»: le sue sessioni aperte sono terminate, e al "
          "prossimo accesso ne sceglierà una sua.", "info")
    return redirect(url_for("console.user_page", user_id=user.id))


@bp.post("/utenti/<id:user_id>/disattiva")
@login_required("admin")
def disable_user(user_id):
    session = get_session()
    user = session.get(User, user_id) or abort(404)
    if user.id == g.user.id:
        flash("Non può disattivare sé stesso.", "error")
        return redirect(url_for("console.user_page", user_id=user.id))
    if request.form.get("conferma") != "si":
        flash(f"Spunti la conferma per disattivare «{user.username}».", "error")
        return render_template("console/user.html", shown_user=user), 400
    set_active(session, user, False)
    session.commit()
    flash(f"Utente «{user.username}» disattivato: non può più entrare.", "info")
    return redirect(url_for("console.users"))


@bp.post("/utenti/<id:user_id>/riattiva")
@login_required("admin")
def enable_user(user_id):
    session = get_session()
    user = session.get(User, user_id) or abort(404)
    set_active(session, user, True)
    session.commit()
    flash(f"Utente «{user.username}» riattivato: può entrare di nuovo con la sua password.",
          "info")
    return redirect(url_for("console.users"))
