"""Tests of contacts/: creditor settings, contact-list parsing and importing, and their commands."""
