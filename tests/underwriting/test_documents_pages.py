"""Staff open a loan's contract and schedule from the dossier and the admin."""

from loans import services as loan_services
from loans.models import ContractDocument
from tests.underwriting.test_pages import task_url


def test_the_dossier_links_the_contract_of_an_approved_application(client, make_task, underwriter):
    task = make_task()
    loan_services.loan_approve(loan=task.loan)
    client.force_login(underwriter)
    page = client.get(task_url(task)).content.decode()
    assert f"/documents/loans/{task.loan_id}/contract.pdf" in page
    assert f"/documents/loans/{task.loan_id}/schedule.pdf" in page


def test_the_dossier_says_the_contract_comes_with_approval(client, make_task, underwriter):
    task = make_task()
    client.force_login(underwriter)
    page = client.get(task_url(task)).content.decode()
    assert "/contract.pdf" not in page


def test_staff_open_the_contract_as_pdf_and_the_showing_is_logged(
    client, make_task, underwriter, caplog
):
    task = make_task()
    loan_services.loan_approve(loan=task.loan)
    client.force_login(underwriter)
    answer = client.get(f"/documents/loans/{task.loan_id}/contract.pdf")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    (shown,) = [r for r in caplog.records if r.getMessage() == "document shown"]
    assert shown.fields["loan_id"] == task.loan_id


def test_a_contract_for_an_application_not_approved_is_refused_clearly(
    client, make_task, underwriter
):
    task = make_task()
    client.force_login(underwriter)
    answer = client.get(f"/documents/loans/{task.loan_id}/contract.pdf")
    assert answer.status_code == 409
    assert "не одобрена" in answer.content.decode()


def test_documents_need_a_staff_role(client, make_task, db):
    task = make_task()
    answer = client.get(f"/documents/loans/{task.loan_id}/contract.pdf")
    assert answer.status_code == 302
    assert "/accounts/login/" in answer["Location"]


def test_the_admin_lists_a_loans_stored_documents(client, make_task, administrator):
    task = make_task()
    loan_services.loan_approve(loan=task.loan)
    client.force_login(administrator)
    assert client.get(f"/documents/loans/{task.loan_id}/contract.pdf").status_code == 200
    administrator.is_superuser = True
    administrator.save()
    (document,) = ContractDocument.objects.filter(loan_id=task.loan_id)
    page = client.get(f"/admin/loans/loan/{task.loan_id}/change/").content.decode()
    assert f"/documents/{document.pk}.pdf" in page
    assert document.sha256 in page


def test_the_dossier_shows_the_debt_load_kept_and_its_notice_above_fifty(
    client, make_task, underwriter
):
    task = make_task()
    task.loan.borrower.declared_income_kop = 2_000_000
    task.loan.borrower.save()
    client.force_login(underwriter)
    client.post(task_url(task, "claim"))
    client.post(task_url(task, "approve"), {"amount": "10000", "term": "30"})
    page = client.get(task_url(task)).content.decode()
    assert 'id="debt-load" class="warn"' in page
    assert f"/documents/loans/{task.loan_id}/pdn-notice.pdf" in page
