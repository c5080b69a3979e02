"""PUT /api/v1/positions: a batch of JSON items through the contact list's own row validation
(contacts.parse.read_contact) and writer (contacts.importer.import_items)."""
from contacts.importer import LIST_COLUMNS, import_items
from contacts.parse import read_contact

FIELDS = ("reference", *LIST_COLUMNS)
COLUMNS = {field: index for index, field in enumerate(FIELDS)}


def put_positions(session, creditor, items, name, bar_secret):
    """Upsert `items` (api.schemas.PositionItem) for `creditor` as one import batch; the
    answer of api.schemas.PutResult. The caller commits."""
    region = creditor.country or "IT"
    read = [read_contact(index, [getattr(item, f) for f in FIELDS], COLUMNS, region)
            for index, item in enumerate(items)]
    outcomes = {}
    result = import_items(session, creditor, read, name, outcomes=outcomes,
                          bar_secret=bar_secret)
    rejected = {r.row_number: r for r in result.rejections}
    answers = []
    for index, item in enumerate(items):
        rejection = rejected.get(index)
        answer = {"index": index, "reference": item.reference,
                  "result": "rejected" if rejection else outcomes[index], "problems": []}
        if rejection:
            answer["problems"] = [{"field": f, "code": c, "detail": d}
                                  for f, c, d in rejection.problems] or \
                [{"field": "reference", "code": "invalid", "detail": rejection.reason}]
        answers.append(answer)
    return {"batch_id": result.batch_id, "imported": result.imported, "updated": result.updated,
            "rejected": result.rejected, "items": answers}
