"""Every response carries the Content-Security-Policy, Referrer-Policy and Permissions-Policy;
personal data (the API, the admin, any page of a signed-in user) is never stored by a cache."""

import re

import pytest
from django.contrib.auth.models import User
from django.template.loader import get_template

from tests.underwriting.conftest import referred_task, staff

PUBLIC_PAGES = ["/health/", "/accounts/login/", "/api/docs/", "/api/schema/"]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_each_response_carries_the_security_headers(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_policy_refuses_inline_scripts_and_styles_without_the_nonce(client, db):
    policy = directives(client.get("/accounts/login/"))
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]


def test_the_api_docs_inline_script_carries_the_nonce_of_its_policy(client, db):
    response = client.get("/api/docs/")
    nonce = re.search(r"'nonce-([^']+)'", directives(response)["script-src"][-1]).group(1)
    page = response.content.decode()
    assert f'<script nonce="{nonce}">' in page and f'<style nonce="{nonce}">' in page


@pytest.mark.parametrize(
    "name",
    [
        "base.html",
        "dashboards/business.html",
        "underwriting/dossier.html",
        "underwriting/queue.html",
        "collection/case.html",
        "staff/login.html",
        "staff/second_factor.html",
    ],
)
def test_staff_templates_have_no_inline_script_or_handler(name):
    source = get_template(name).template.source
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "inline <script>"
    assert not re.search(r"\son[a-z]+=", source), "inline event handler"
    assert not re.search(r"\sstyle=", source), "inline style attribute"
    assert "hx-on" not in source


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/schema/", "/api/v1/no-such/"])
def test_the_api_is_never_stored_by_a_cache(client, db, path):
    response = client.get(path)
    assert "no-store" in response["Cache-Control"]


def test_the_admin_is_never_stored_by_a_cache(client, db):
    client.force_login(User.objects.create_superuser("root", password="x" * 12))
    assert "no-store" in client.get("/admin/")["Cache-Control"]
    assert "no-store" in client.get("/admin/login/")["Cache-Control"]


def test_the_dossier_is_never_stored_by_a_cache(client, business_date):
    user = staff("uw-cache", "underwriter")
    task = referred_task()
    client.force_login(user)
    response = client.get(f"/underwriting/tasks/{task.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_collectors_cases_page_is_never_stored_by_a_cache(client, db):
    user = staff("col-cache", "collector")
    client.force_login(user)
    response = client.get("/collection/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_static_file_keeps_its_own_caching_for_a_signed_in_user(client, db):
    client.force_login(User.objects.create_user("someone", password="x" * 12))
    response = client.get("/static/js/staff.js")
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Content-Security-Policy" in response
