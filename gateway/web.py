"""The web client's first page: sign in, see who you are, sign out (in Russian).

Server-rendered with Jinja and one small ES module (`static/app.js`) that
talks only to the gateway's API with cookies and the CSRF header; no build
step.  The pages of each role grow from here.
"""
from __future__ import annotations

from flask import Flask, render_template

from gateway.access import allow_anonymous

# The page loads only its own script and style, and is never framed.
CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


def add_web_routes(app: Flask) -> None:
    @app.get("/")
    @allow_anonymous
    def index():
        """The sign-in page; once signed in it shows the person, school, roles and children."""
        headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"}
        return render_template("index.html"), 200, headers
