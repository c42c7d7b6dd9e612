"""The search across the book: by phone, passport, contract number, УИд or name."""

import pytest

from desk import selectors
from tests.factories import BorrowerFactory, applied_loan, signed_loan

SEARCH = "/desk/"


def found_ids(client, term: str) -> list[int]:
    response = client.post(SEARCH, {"q": term})
    assert response.status_code == 200
    return [borrower.pk for borrower, _ in response.context["results"]]


@pytest.fixture
def maria(db):
    return BorrowerFactory(
        full_name="Иванова Мария Петровна",
        phone="+79161234567",
        passport_series="4510",
        passport_number="654321",
    )


@pytest.mark.parametrize(
    "term", ["+7 916 123-45-67", "89161234567", "9161234567", "+79161234567", "8 (916) 123 45 67"]
)
def test_the_search_finds_a_borrower_by_phone_however_it_is_typed(
    client, administrator, maria, term
):
    BorrowerFactory()
    client.force_login(administrator)
    assert found_ids(client, term) == [maria.pk]


def test_the_search_finds_a_borrower_by_passport_series_and_number(client, administrator, maria):
    BorrowerFactory(passport_series="4510")
    client.force_login(administrator)
    assert found_ids(client, "4510 654321") == [maria.pk]


def test_the_search_finds_a_borrower_by_contract_number(
    client, administrator, maria, business_date
):
    loan = applied_loan(borrower=maria)
    applied_loan()
    client.force_login(administrator)
    assert found_ids(client, str(loan.pk)) == [maria.pk]
    assert found_ids(client, f"№ {loan.pk}") == [maria.pk]


def test_the_search_finds_a_borrower_by_the_contracts_uid(
    client, administrator, maria, business_date
):
    loan = signed_loan(borrower=maria)
    assert loan.credit_uid
    client.force_login(administrator)
    assert found_ids(client, loan.credit_uid.upper()) == [maria.pk]


@pytest.mark.parametrize("term", ["иванова", "ИВАНОВА", "Мария Петр", "ова мар"])
def test_the_search_finds_a_borrower_by_any_part_of_the_name_in_any_case(
    client, administrator, maria, term
):
    BorrowerFactory(full_name="Петров Пётр Петрович")
    client.force_login(administrator)
    assert found_ids(client, term) == [maria.pk]


def test_the_search_finds_nobody_for_an_unknown_phone(client, administrator, maria):
    client.force_login(administrator)
    body = client.post(SEARCH, {"q": "+79990000000"}).content.decode()
    assert "Nobody found." in body


@pytest.mark.parametrize(
    ("term", "message"),
    [
        ("", "Enter a phone, a passport"),
        ("   ", "Enter a phone, a passport"),
        ("Иванова" * 20, "too long"),
        ("@@@ %%%", "Nothing to search by"),
        ("12345678901234", "Nothing to search by"),
        ("DROP TABLE; --", "Nothing to search by"),
        ("и", "Nothing to search by"),
    ],
)
def test_a_bad_search_term_answers_a_clear_message_not_an_error(
    client, administrator, term, message
):
    client.force_login(administrator)
    response = client.post(SEARCH, {"q": term})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "results" not in response.context


def test_a_bad_page_number_answers_a_clear_message(client, administrator, maria):
    client.force_login(administrator)
    response = client.post(SEARCH, {"q": "Иванова", "page": "x"})
    assert response.status_code == 200
    assert "The page number is not valid." in response.content.decode()


def test_a_page_beyond_the_last_shows_the_last(client, administrator, maria):
    client.force_login(administrator)
    response = client.post(SEARCH, {"q": "Иванова", "page": "99"})
    assert [b.pk for b, _ in response.context["results"]] == [maria.pk]


def test_the_search_term_never_travels_in_the_address(client, administrator, maria):
    client.force_login(administrator)
    response = client.get(SEARCH, {"q": "+79161234567"})
    assert response.status_code == 200
    assert "results" not in response.context
    assert 'method="post"' in response.content.decode()


def test_results_are_paged_twenty_a_page(client, administrator, db):
    for n in range(25):
        BorrowerFactory(full_name=f"Сидоров Сидор {n}")
    client.force_login(administrator)
    first = client.post(SEARCH, {"q": "сидоров"})
    second = client.post(SEARCH, {"q": "сидоров", "page": "2"})
    assert len(first.context["results"]) == 20
    assert len(second.context["results"]) == 5
    assert first.context["page"].paginator.count == 25


@pytest.mark.parametrize("count", [1, 20, 45])
def test_a_results_page_costs_the_same_queries_whatever_is_found(
    client, administrator, business_date, django_assert_num_queries, count
):
    for n in range(count):
        applied_loan(borrower=BorrowerFactory(full_name=f"Сидоров Сидор {n}"))
    client.force_login(administrator)
    client.get(SEARCH)  # the session and the user's roles are read once
    # The session, the user, its roles and its two permission reads, the session's save (3),
    # then the count and the page.
    with django_assert_num_queries(10):
        client.post(SEARCH, {"q": "сидоров"})


def test_parse_query_reads_ten_digits_as_a_phone_or_a_passport():
    query = selectors.parse_query("9161234567")
    assert query.keys == {selectors.Key.PHONE: "+79161234567", selectors.Key.PASSPORT: "9161234567"}
