"""The web client's first page: Russian, labelled controls, strict CSP, anonymous."""
from __future__ import annotations

import re


def test_the_sign_in_page_is_russian_labelled_and_locked_down(app):
    client = app.test_client()

    page = client.get("/")
    script = client.get("/static/app.js")

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<html lang="ru">' in html and "Вход" in html
    inputs = set(re.findall(r'<input id="([a-z-]+)"', html))
    labels = set(re.findall(r'<label for="([a-z-]+)"', html))
    assert inputs and inputs <= labels, inputs - labels
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert script.status_code == 200
    assert "/api/v1/auth/login" in script.get_data(as_text=True)
    assert "X-CSRF-Token" in script.get_data(as_text=True)
