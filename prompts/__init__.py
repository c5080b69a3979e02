"""What is said on the call: per-language templates, and amounts and dates in words."""
from prompts.speech import personal_fields, speak_amount, speak_code, speak_date
from prompts.templates import DISCLOSING_SLOTS, LANGUAGES, SAY_LANGUAGE, render, render_email

__all__ = ["DISCLOSING_SLOTS", "LANGUAGES", "SAY_LANGUAGE", "personal_fields", "render",
           "render_email", "speak_amount", "speak_code", "speak_date"]
