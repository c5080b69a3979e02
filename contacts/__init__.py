"""contacts (being built)"""


def init_app(app):
    pass
