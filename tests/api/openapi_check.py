"""Every response an API test receives, checked against the served OpenAPI document: its
status documented for the operation, its media type, its body valid for the schema."""
import re

from jsonschema import Draft202012Validator

PREFIX = "/api/v1"


def _templates(document):
    found = []
    for template in document["paths"]:
        pattern = re.escape(template).replace(re.escape("{reference}"), "(.+)")
        found.append((template.count("/") + len(template), re.compile(f"^{pattern}$"), template))
    return [(pattern, template) for _w, pattern, template in sorted(found, reverse=True)]


def operation_of(document, method, path):
    path = path.split("?", 1)[0]
    assert path.startswith(PREFIX), path
    for pattern, template in _templates(document):
        if pattern.match(path[len(PREFIX):]):
            return template, document["paths"][template].get(method.lower())
    return None, None


def check_response(document, method, path, response):
    """Fails the test when `response` breaks the document."""
    template, operation = operation_of(document, method, path)
    if operation is None:
        # No such operation: a problem document for 404/405 all the same.
        assert response.status_code in (404, 405), (method, path, response.status_code)
        assert response.mimetype == "application/problem+json"
        _validate(document, {"$ref": "#/components/schemas/Problem"}, response.get_json())
        return
    spec = operation["responses"].get(str(response.status_code))
    assert spec is not None, f"{method} {template}: status {response.status_code} is not " \
                             f"documented ({response.get_data(as_text=True)[:300]})"
    content = spec.get("content")
    if not content:
        return
    assert response.mimetype in content, (method, template, response.mimetype)
    _validate(document, content[response.mimetype]["schema"], response.get_json())
    for header in spec.get("headers", {}):
        assert header in response.headers, (method, template, header)


def _validate(document, schema, body):
    Draft202012Validator({**schema, "components": document["components"]}).validate(body)
