"""Deny by default: every route declares who may call it; the OpenAPI document and
the README show it; bad input is a 400 naming the field."""
from __future__ import annotations

import pytest
from flask_openapi3 import APIBlueprint
from gateway_fakes import PASSWORD, assert_problem, bearer, mint

import gateway.app
from gateway import route_table
from gateway.access import (
    EXEMPT_ENDPOINTS, UndeclaredRoutes, access_of, allow, allow_anonymous, allow_signed_in, undeclared_endpoints,
)
from gateway.app import create_app
from services.common.roles import Role
from services.common.settings import Settings

PUBLIC_ROUTES = {
    ("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/refresh"), ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/activate"), ("GET", "/api/v1/me"),
}


@pytest.fixture(scope="module")
def real_app():
    """The app exactly as gunicorn builds it (nothing connects)."""
    return create_app(Settings())


def test_every_route_declares_who_may_call_it(real_app):
    checked = []
    for rule in real_app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        assert access_of(real_app.view_functions[rule.endpoint]) is not None, f"{rule.rule} declares no roles"
        checked.append(rule.rule)

    assert sum(path.startswith("/api/v1/") for path in checked) >= 20
    routes = {(method, rule.rule) for rule in real_app.url_map.iter_rules() for method in rule.methods}
    assert PUBLIC_ROUTES <= routes
    assert undeclared_endpoints(real_app) == []


def test_only_sign_in_activation_keys_health_the_document_and_secret_links_are_anonymous(real_app):
    anonymous = {
        rule.rule for rule in real_app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT_ENDPOINTS and access_of(real_app.view_functions[rule.endpoint]).anonymous
    }

    assert anonymous == {
        "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/auth/activate",
        "/api/v1/auth/totp", "/api/v1/auth/totp/confirm",  # a second factor before the first sign-in
        "/.well-known/jwks.json", "/healthz", "/readyz", "/api/v1/openapi.json",
        "/",  # the sign-in page; it holds no data and calls the API with the visitor's cookies
        "/api/v1/printouts/<code>",  # R3: anyone holding a printout checks it by the code printed on it
        "/api/v1/schedule/feeds/<token>",  # a calendar app fetches the ICS feed by its secret, revocable URL
    }


def test_create_app_refuses_a_resource_with_an_undeclared_route(monkeypatch):
    careless = APIBlueprint("careless", __name__, url_prefix="/careless")

    @careless.get("/secrets")
    def secrets():
        """Forgot to say who may call it."""
        return {"secret": 42}

    monkeypatch.setattr(gateway.app, "RESOURCES", (*gateway.app.RESOURCES, careless))

    with pytest.raises(UndeclaredRoutes, match="/api/v1/careless/secrets"):
        create_app(Settings())


def test_a_route_added_after_create_app_without_a_declaration_is_refused(app_for, fake_services, signing_key):
    app = app_for(fake_services.settings())
    app.add_url_rule("/api/v1/late", "late", lambda: {"secret": 42})

    for headers in ({}, bearer(mint(signing_key, "admin"))):
        response = app.test_client().get("/api/v1/late", headers=headers)
        assert_problem(response, 403, "ROUTE_ACCESS_UNDECLARED")
        assert "42" not in response.get_data(as_text=True)


def test_a_declaration_needs_roles_of_the_role_enum():
    with pytest.raises(TypeError):
        allow()
    with pytest.raises(TypeError):
        allow("administrator")


def test_a_route_cannot_declare_twice():
    with pytest.raises(TypeError, match="twice"):
        allow_anonymous(allow(Role.PARENT)(lambda: None))


def test_a_declaration_placed_above_the_route_decorator_still_counts(app_for, fake_services, monkeypatch):
    extra = APIBlueprint("extra", __name__, url_prefix="/extra")

    @allow_signed_in
    @extra.get("/thing")
    def thing():
        """Declared on top."""
        return {"ok": True}

    monkeypatch.setattr(gateway.app, "RESOURCES", (extra,))
    app = app_for(fake_services.settings())

    assert_problem(app.test_client().get("/api/v1/extra/thing"), 401, "NO_CREDENTIALS")


def test_the_openapi_document_shows_roles_and_both_security_schemes(client):
    document = client.get("/api/v1/openapi.json").get_json()

    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["cookie"] == {**schemes["cookie"], "type": "apiKey", "in": "cookie", "name": "ezh_access"}
    paths = document["paths"]
    create_staff = paths["/api/v1/staff"]["post"]
    assert create_staff["x-roles"] == ["district_operator", "administrator"]
    assert "Access: `district_operator`, `administrator`." in create_staff["description"]
    assert create_staff["security"] == [{"bearer": []}, {"cookie": []}]
    assert {"401", "403"} <= set(create_staff["responses"])
    login = paths["/api/v1/auth/login"]["post"]
    assert login["x-roles"] == ["anonymous"] and login["security"] == []
    assert "401" in login["responses"]  # wrong password, documented by the route itself
    assert paths["/api/v1/me"]["get"]["x-roles"] == ["signed_in"]
    assert paths["/.well-known/jwks.json"]["get"]["x-roles"] == ["anonymous"]
    for path, item in paths.items():
        for method, operation in item.items():
            assert "x-roles" in operation, f"{method.upper()} {path}"


def _string_fields_without_a_limit(document: dict) -> list[str]:
    """Every string a client can send (body or parameter) that has no maximum length."""
    schemas = document["components"]["schemas"]

    def resolve(schema):
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def unlimited(schema, where: str) -> list[str]:
        schema = resolve(schema)
        found = []
        for option in schema.get("anyOf", []):
            found += unlimited(option, where)
        if schema.get("type") == "string" and "maxLength" not in schema and "enum" not in schema \
                and schema.get("format") != "uuid":
            found.append(where)
        for name, field in schema.get("properties", {}).items():
            found += unlimited(field, f"{where}.{name}")
        if "items" in schema:
            found += unlimited(schema["items"], f"{where}[]")
        return found

    missing = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                missing += unlimited(parameter["schema"], f"{where} {parameter['name']}")
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                missing += unlimited(body["schema"], f"{where} body")
    return missing


def test_every_string_a_client_sends_has_a_maximum_length(real_app):
    with real_app.test_request_context():
        document = real_app.api_doc

    assert _string_fields_without_a_limit(document) == []


def test_the_readme_route_table_is_generated_from_the_code(real_app):
    readme = route_table.README.read_text(encoding="utf-8")

    assert "## API routes and roles" in readme
    assert route_table.table_in_readme(readme) == route_table.markdown_table(real_app), (
        "README.md's route table is out of date: run `.venv/bin/python -m gateway.route_table --write`"
    )


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({"password": PASSWORD}, "login", "обязательное поле"),
        ({"login": "teacher"}, "password", "обязательное поле"),
        ({"login": 12345, "password": PASSWORD}, "login", "ожидается строка"),
        ({"login": ["teacher"], "password": PASSWORD}, "login", "ожидается строка"),
        ({"login": "teacher", "password": PASSWORD, "cookie": "maybe"}, "cookie", "ожидается true или false"),
        ({"login": "t" * 10_000, "password": PASSWORD}, "login", "максимальная длина — 64"),
        ({"login": "teacher", "password": "p" * 10_000}, "password", "максимальная длина — 256"),
        ({"login": "teacher", "password": PASSWORD, "otp": "1" * 10_000}, "otp", "максимальная длина — 10"),
        ({"login": "teacher", "password": PASSWORD, "admin": True}, "admin", "неизвестное поле"),
    ],
)
def test_bad_input_on_login_is_400_naming_the_field(api, fake_services, body, field, detail):
    response = api.post("/api/v1/auth/login", json=body)

    problem = assert_problem(response, 400, "INVALID_ARGUMENT")
    assert problem["field"] == field
    assert {"field": field, "detail": detail} in problem["errors"]
    assert f"Поле «{field}»: {detail}" in problem["detail"]
    assert fake_services.auth.called("Login") == []


def test_a_login_body_that_is_not_json_is_400(api, fake_services):
    response = api.post("/api/v1/auth/login", data="login=teacher&password=x",
                        content_type="application/x-www-form-urlencoded")

    assert_problem(response, 400, "INVALID_ARGUMENT")
    assert fake_services.auth.called("Login") == []


def test_bad_input_on_a_signed_in_route_names_the_field(api, signing_key):
    admin = bearer(mint(signing_key, "admin"))

    bad_id = api.post("/api/v1/people/not-an-id/block", headers=admin, json={})
    bad_role = api.post("/api/v1/staff", headers=admin, json={
        "last_name": "Иванов", "first_name": "Иван", "roles": [{"role": "king"}],
    })

    assert assert_problem(bad_id, 400, "INVALID_ARGUMENT")["field"] == "person_id"
    assert assert_problem(bad_role, 400, "INVALID_ARGUMENT")["field"] == "roles[0].role"


def test_wrong_password_is_the_services_401(api, fake_services):
    response = api.post("/api/v1/auth/login", json={"login": "teacher", "password": "wrong"},
                        environ_base={"REMOTE_ADDR": "192.0.2.9"}, headers={"User-Agent": "Яндекс.Браузер/24"})

    body = assert_problem(response, 401, "BAD_CREDENTIALS")
    assert body["detail"] == "Неверный логин или пароль"
    [(request, metadata)] = fake_services.auth.called("Login")
    assert (request.client.address, request.client.user_agent) == ("192.0.2.9", "Яндекс.Браузер/24")
    assert "authorization" not in metadata


def test_me_returns_the_person_school_roles_and_children(api, signing_key):
    body = api.get("/api/v1/me", headers=bearer(mint(signing_key, "classteacher"))).get_json()

    assert body["person"]["full_name"] == "Козлова Анна"
    assert body["school"]["name"] == "СОШ № 1"
    assert [(role["role"], role["title"]) for role in body["roles"]] == [
        ("subject_teacher", "Учитель-предметник"), ("class_teacher", "Классный руководитель"),
    ]
    assert body["roles"][1]["class_id"] is not None
    assert body["children"] == []


def test_a2_forwarded_address_is_trusted_only_through_configured_proxies():
    from flask import request

    from gateway.access import allow_anonymous
    from gateway.app import create_app
    from services.common.settings import Settings

    def remote(settings):
        app = create_app(settings)

        @app.get("/probe-address")
        @allow_anonymous
        def probe_address():
            return {"address": request.remote_addr}

        client = app.test_client()
        headers = {"X-Forwarded-For": "198.51.100.7"}
        return client.get("/probe-address", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}).get_json()

    assert remote(Settings())["address"] == "10.0.0.2"
    assert remote(Settings(gateway_trusted_proxies=1))["address"] == "198.51.100.7"
