"""The collector's workbench pages, at a fixed moment: Tuesday 2026-12-08, 12:00 in Moscow."""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from collection.models import ContactAttempt, RefusedContact
from tests.collection.conftest import msk, staff
from tests.csp_console import watch_csp_violations
from tests.scoring.conftest import _isolated_scoring  # noqa: F401 - autouse: artifacts in tmp
from tests.underwriting.conftest import staff as underwriting_staff

NOON = msk(2026, 12, 8, 12, 0)


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOON)


def page(case, action=""):
    return f"/collection/cases/{case.pk}/{action + '/' if action else ''}"


def test_my_cases_lists_the_collectors_own_cases_with_masked_names(client, case, collector):
    client.force_login(collector)
    body = client.get("/collection/").content.decode()
    assert f'data-case="{case.pk}"' in body
    assert case.loan.borrower.full_name not in body


def test_another_collectors_case_is_not_found(client, case, other_collector):
    client.force_login(other_collector)
    assert client.get(page(case)).status_code == 404
    assert client.post(page(case, "contacts"), {"channel": "call"}).status_code == 404


def test_an_underwriter_cannot_open_collection(client, case, db):
    client.force_login(underwriting_staff("uw9", "underwriter"))
    assert client.get("/collection/").status_code == 403


def test_the_case_page_shows_the_debt_and_masks_the_debtor(client, case, collector):
    client.force_login(collector)
    body = client.get(page(case)).content.decode()
    assert case.loan.borrower.phone not in body
    assert 'data-channel="call"' in body and "12:00" in body


def test_a_call_shows_the_number_once_and_puts_it_on_record(client, case, collector, caplog):
    client.force_login(collector)
    body = client.post(page(case, "call"), follow=True).content.decode()
    assert case.loan.borrower.phone in body
    (shown,) = [r for r in caplog.records if r.getMessage() == "personal data shown"]
    assert shown.fields["borrower_id"] == case.loan.borrower_id


def _cookie_values(client, response) -> str:
    return " ".join(
        [m.value for m in response.cookies.values()] + [m.value for m in client.cookies.values()]
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_call_puts_the_number_in_the_response_and_in_no_cookie(client, case, collector, htmx):
    client.force_login(collector)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(page(case, "call"), headers=headers)
    phone = case.loan.borrower.phone
    assert response.status_code == 200 and phone in response.content.decode()
    cookies = _cookie_values(client, response)
    assert "messages" not in response.cookies
    assert phone not in cookies and phone[-7:] not in cookies
    # The messages cookie is signed, not encrypted: nothing of it may decode to the number.
    stored = client.get(page(case))
    assert phone not in stored.content.decode()


def test_the_case_page_is_never_stored_by_a_cache(client, case, collector):
    client.force_login(collector)
    response = client.get(page(case))
    assert "no-store" in response["Cache-Control"]


def test_a_second_call_the_same_day_is_refused_with_the_reason(client, case, collector):
    client.force_login(collector)
    call = {"channel": "call", "outcome": "refused", "note": "will pay Friday"}
    client.post(page(case, "contacts"), call)
    body = client.post(page(case, "contacts"), call, follow=True).content.decode()
    assert ContactAttempt.objects.filter(case=case).count() == 1
    assert RefusedContact.objects.filter(case=case).count() == 1
    assert "msg-error" in body and "Следующая возможность: 09.12 08:00" in body


def test_a_promise_in_the_past_is_refused(client, case, collector):
    client.force_login(collector)
    body = client.post(
        page(case, "promises"), {"amount_rub": "100", "promised_on": "2026-12-01"}, follow=True
    ).content.decode()
    assert "msg-error" in body and not case.promises.exists()


CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def _collector_with_a_case():
    """The only collector, so the new case is theirs."""
    from collection import services
    from tests.collection.conftest import DUE, overdue_loan

    collector = staff("collector", "collector")
    collector.set_password("correct-horse-battery")
    collector.save()
    return services.case_open(debt=overdue_loan(), on=DUE + dt.timedelta(days=2))


def _collector_on_case(browser, live_server, case, *, width: int, locale: str):
    """The collector signed in, on the case page, in a window `width` pixels wide."""
    tab = browser.new_page(locale=locale, viewport={"width": width, "height": 1100})
    tab.goto(f"{live_server.url}/collection/cases/{case.pk}/")
    tab.fill("input[name=username]", "collector")
    tab.fill("input[name=password]", "correct-horse-battery")
    tab.click("button[type=submit]")
    tab.wait_for_selector("#contact-form")
    return tab


FIELDS_OUTSIDE_THEIR_FORM = """() => {
  const out = [];
  document.querySelectorAll(".decide form").forEach((form) => {
    const box = form.getBoundingClientRect();
    form.querySelectorAll("input, select, textarea, button").forEach((field) => {
      const r = field.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1)) out.push(field.name);
    });
  });
  return out;
}"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_the_browser_every_action_form_keeps_its_fields_inside_it(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    case = _collector_with_a_case()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        tab = _collector_on_case(browser, live_server, case, width=1280, locale="ru-RU")
        outside = {}
        for width in (1280, 1440, 1920):
            tab.set_viewport_size({"width": width, "height": 1100})
            outside[width] = tab.evaluate(FIELDS_OUTSIDE_THEIR_FORM)
        offer = tab.inner_text("form[action$='/restructuring/'] button")
        browser.close()
    assert outside == {1280: [], 1440: [], 1920: []}
    assert offer == "Предложить"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_the_browser_a_logged_call_makes_the_next_call_refused(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    case = _collector_with_a_case()
    artifacts = Path(__file__).resolve().parent.parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        tab = _collector_on_case(browser, live_server, case, width=1400, locale="en-US")
        violations = watch_csp_violations(tab)
        tab.reload()
        tab.click("#call")  # htmx swaps the number into the page
        tab.wait_for_selector("#call-number strong")
        number = tab.inner_text("#call-number")
        call_cookies = " ".join(c["value"] for c in tab.context.cookies())
        for _ in range(2):
            tab.wait_for_selector("#contact-form")
            tab.select_option("#contact-form select[name=channel]", "call")
            tab.select_option("#contact-form select[name=outcome]", "refused")
            tab.click("#contact-form button[type=submit]")
        tab.wait_for_selector(".msg-error")
        refusal = tab.inner_text(".msg-error")
        tab.screenshot(path=str(artifacts / "collection-case.png"), full_page=True)
        browser.close()
    assert "Next allowed" in refusal
    assert ContactAttempt.objects.filter(case=case).count() == 1
    assert case.loan.borrower.phone in number and case.loan.borrower.phone not in call_cookies
    assert not violations


def test_the_team_page_is_for_team_leads(client, case, collector, team_lead):
    client.force_login(collector)
    assert client.get("/collection/team/").status_code == 403
    client.force_login(team_lead)
    body = client.get("/collection/team/").content.decode()
    assert 'id="by-stage"' in body and 'id="roll-rates"' in body


def test_the_team_report_counts_recovery_and_promises(case):
    from collection.selectors import team_report
    from loans.business_date import current_business_date

    report = team_report(on=current_business_date())
    assert [row[:3] for row in report.by_stage_bucket] == [("soft", "1-30", 1)]
    (bucket, recovered, owed, rate) = report.recovery[0]
    assert bucket == "1-30" and recovered == 0 and owed == case.debt_kop and rate == 0
    assert report.promise_kept_rate is None and report.contacts_per_1000_rub is None


def test_roll_rates_count_cases_still_unpaid_a_month_later():
    from collection.selectors import _roll_rates

    spans = [
        (dt.date(2026, 9, 20), None),  # 11 days at the end of September, still open
        (dt.date(2026, 9, 25), dt.date(2026, 10, 10)),  # paid in October: did not roll
    ]
    rows = _roll_rates(spans, on=dt.date(2026, 10, 31), since=dt.date(2026, 9, 1))
    assert ("2026-10", "1-30", 2, 0.5) in rows


def test_a_collection_champion_chooses_the_method_with_the_best_recovery_net_of_cost(case):
    from collection.prediction import choose_strategy, loan_facts
    from loans.models import Loan
    from scoring.models import ModelKind, ModelStatus
    from tests.scoring.conftest import constant_model, register

    register(
        constant_model(0.9, numeric=("days_past_due",), categorical=()),
        kind=ModelKind.COLLECTION,
        status=ModelStatus.CHAMPION,
    )
    loan = loan_facts(Loan.objects.filter(pk=case.loan_id)).get()
    choice = choose_strategy(loan)
    assert choice.reason.startswith("collection v1:")
    assert round(choice.recovery_probability, 6) == 0.1
    # The same recovery under every method it may choose: the cheapest method wins.
    assert choice.strategy == "remind"


def test_the_case_page_shows_what_each_counter_has_left(client, case, collector):
    from collection.services import contact_log

    contact_log(case=case, channel="call", outcome="refused", actor=collector, at=NOON)
    client.force_login(collector)
    body = client.get(page(case)).content.decode()
    assert "сегодня 0/1 · на неделе 1/2 · в месяце 7/8" in body


def test_a_team_lead_reassigns_a_case_with_a_reason(client, case, team_lead, other_collector):
    client.force_login(team_lead)
    client.post(page(case, "reassign"), {"collector": other_collector.pk, "reason": "holiday"})
    case.refresh_from_db()
    assert case.collector == other_collector


def test_a_collector_cannot_reassign(client, case, collector, other_collector):
    client.force_login(collector)
    client.post(page(case, "reassign"), {"collector": other_collector.pk, "reason": "mine"})
    case.refresh_from_db()
    assert case.collector == collector


def test_the_case_page_says_nothing_of_the_calendar_when_the_years_are_confirmed(
    client, case, collector
):
    client.force_login(collector)
    assert 'id="calendar-unconfirmed"' not in client.get(page(case)).content.decode()


def test_the_case_page_warns_when_the_coming_year_is_unconfirmed(
    client, case, collector, monkeypatch
):
    monkeypatch.setattr(timezone, "now", lambda: msk(2027, 12, 8, 12, 0))
    client.force_login(collector)
    body = client.get(page(case)).content.decode()
    assert 'id="calendar-unconfirmed"' in body and "2028" in body
