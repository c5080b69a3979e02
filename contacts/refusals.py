"""Why a contact list as a whole cannot be imported, in English (command line) and Italian
(console): one exception type, raised by the reader for every unreadable file."""

MESSAGES = {
    "cannot_open": ("cannot open the file: {reason}",
                    "il file non si può aprire: {reason}"),
    "empty_file": ("the file is empty: a header row is required",
                   "il file è vuoto: serve una riga di intestazione"),
    "old_xls": ("old Excel .xls files are not supported: save it as .xlsx or CSV",
                "i vecchi file Excel .xls non sono supportati: lo salvi come .xlsx o CSV"),
    "not_a_workbook": ("the file is not a valid XLSX workbook",
                       "il file non è una cartella di lavoro XLSX valida"),
    "zip_not_xlsx": ("the file is a ZIP archive, not an XLSX workbook",
                     "il file è un archivio ZIP, non una cartella di lavoro XLSX"),
    "workbook_damaged": ("the workbook is damaged and cannot be read ({detail})",
                         "la cartella di lavoro è danneggiata e non si può leggere ({detail})"),
    "no_sheet": ("the workbook has no sheet",
                 "la cartella di lavoro non ha fogli"),
    "too_big": ("the workbook inflates to {size_mb:,} MB, more than the {limit_mb:,} MB allowed "
                "(IMPORT_MAX_UNCOMPRESSED_MB)",
                "la cartella di lavoro decompressa occupa {size_mb:,} MB, oltre il limite di "
                "{limit_mb:,} MB"),
    "too_many_rows": ("the list has more than {limit:,} rows (IMPORT_MAX_ROWS): split it into "
                      "smaller files",
                      "la lista ha più di {limit:,} righe: la divida in file più piccoli"),
    "not_text": ("the file is neither CSV text nor an XLSX workbook",
                 "il file non è né un CSV di testo né una cartella di lavoro XLSX"),
    "bad_encoding": ("the file is neither UTF-8 nor Windows-1252 text",
                     "il file non è testo UTF-8 né Windows-1252"),
    "bad_csv": ("the file cannot be read as CSV ({detail})",
                "il file non si legge come CSV ({detail})"),
    "missing_columns": ("missing required column(s): {columns}",
                        "mancano colonne obbligatorie: {columns}"),
    "twin_columns": ("columns '{first}' and '{second}' both mean {field}; keep one",
                     "le colonne '{first}' e '{second}' indicano entrambe {field}: ne tenga una"),
}
LANGUAGES = ("en", "it")


class ContactListError(Exception):
    """The file as a whole cannot be imported; nothing is changed.

    `code` names the problem (a key of MESSAGES); str() is the English message."""

    def __init__(self, code, **details):
        # A header cell may hold a byte that was not UTF-8: shown as "?", printable anywhere.
        self.code = code
        self.details = {k: v.encode("utf-8", "replace").decode() if isinstance(v, str) else v
                        for k, v in details.items()}
        super().__init__(self.message("en"))

    def message(self, language="en"):
        """The message in `language` (`en` or `it`)."""
        return MESSAGES[self.code][LANGUAGES.index(language)].format(**self.details)
