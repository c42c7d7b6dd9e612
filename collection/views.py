"""The collector's workbench: my cases, the case page and its actions, the team lead's page,
and the claim package of a case handed over to legal. Thin: services and selectors do the work;
a refusal of the contact rules comes back as a message with its reason and the next moment."""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collection import claim, selectors, services
from collection.clock import debtor_time, moscow_time
from collection.errors import ContactRefused
from collection.filters import CaseWorklistFilter
from collection.forms import (
    ContactForm,
    MessageForm,
    PromiseForm,
    ReassignForm,
    RestructuringForm,
)
from collection.models import CaseStage, Channel, CollectionCase
from collection.policy import contact_budget, contacts_allowed
from kernel import exports
from kernel.errors import DomainError
from kernel.masking import mask_name, mask_passport, mask_phone
from kernel.pages import form_errors_as_messages, query_without, run_as_message
from kernel.roles import ADMINISTRATOR, COLLECTOR, role_required
from loans.business_date import current_business_date
from loans.models import Loan

pii_log = logging.getLogger("zaymer.security")


def _my_case(request, case_id: int) -> CollectionCase:
    """A collector opens their own cases; a team lead any. Another's case is not found."""
    case = get_object_or_404(
        CollectionCase.objects.select_related(
            "borrower__region", "loan__product", "credit_line", "collector"
        ),
        pk=case_id,
    )
    if case.collector_id != request.user.pk and not services.is_team_lead(request.user):
        raise Http404
    return case


@require_GET
@role_required(COLLECTOR, ADMINISTRATOR)
def my_cases(request):
    """The worklist: a collector's own open cases (a team lead's: all), filtered, searched,
    sorted and paged; each row says whether the debtor may be called now and why not."""
    lead = services.is_team_lead(request.user)
    cases = selectors.worklist(collector=None if lead else request.user)
    filterset = CaseWorklistFilter(request.GET, queryset=cases, request=request)
    rows_qs = filterset.qs if filterset.is_valid() else cases.none()
    page = Paginator(rows_qs, settings.COLLECTION_WORKLIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    cases_on_page = list(page.object_list)
    verdicts = contacts_allowed(cases=cases_on_page, channel=Channel.CALL, at=now)
    rows = [(case, mask_name(case.borrower.full_name), verdicts[case.pk]) for case in cases_on_page]
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "lead": lead,
        "now": now,
        "today": current_business_date(),
        "query": query_without(request, drop=("page",)),
        "sort_query": query_without(request, drop=("page", "sort")),
    }
    if request.htmx and request.htmx.target == "cases-table":
        return render(request, "collection/_cases_table.html", context)
    return render(request, "collection/my_cases.html", context)


@require_GET
@role_required(COLLECTOR, ADMINISTRATOR)
def team(request):
    """The team lead's page: the book by stage and bucket, recovery, roll rates, promises."""
    if not services.is_team_lead(request.user):
        raise PermissionDenied
    report = selectors.team_report(on=current_business_date())
    return render(request, "collection/team.html", {"report": report})


@require_GET
@role_required(COLLECTOR, ADMINISTRATOR)
def case_page(request, case_id: int):
    case = _my_case(request, case_id)
    return render(request, "collection/case.html", _case_context(request, case))


def _case_context(request, case: CollectionCase) -> dict:
    now = timezone.now()
    borrower = case.borrower
    return {
        "case": case,
        "borrower": borrower,
        "masked": {
            "name": mask_name(borrower.full_name),
            "phone": mask_phone(borrower.phone),
            "passport": mask_passport(borrower.passport_series, borrower.passport_number),
        },
        "local_time": selectors.debtor_local_time(case=case, at=now),
        "allowances": [
            (
                Channel(channel).label,
                channel,
                verdict,
                contact_budget(borrower=borrower, channel=channel, at=now),
                debtor_time(verdict.next_allowed_at, borrower.time_zone).format("H:i, D d.m")
                if verdict.next_allowed_at
                else "",
            )
            for channel, verdict in selectors.channel_allowances(case=case, at=now).items()
        ],
        "lead": services.is_team_lead(request.user),
        "unconfirmed_years": selectors.unconfirmed_calendar_years(at=now),
        "reassign_form": ReassignForm(collectors=services.collectors()),
        "contacts": selectors.case_contacts(case=case)[:50],
        "refused": selectors.case_refused_contacts(case=case)[:20],
        "promises": selectors.case_promises(case=case)[:20],
        "obstacles": services.legal_obstacles(case=case, actor=request.user),
        "contact_form": ContactForm(),
        "promise_form": PromiseForm(),
        "message_form": MessageForm(),
        "restructuring_form": RestructuringForm(),
    }


def _refusal_text(refusal: DomainError) -> str:
    when = getattr(refusal, "next_allowed_at", None)
    if not isinstance(refusal, ContactRefused) or when is None:
        return refusal.message
    moment = moscow_time(when).format("d.m H:i")
    return refusal.message + _(" Next allowed: %(when)s.") % {"when": moment}


def _done(request, case_id: int, action, success: str):
    run_as_message(request, action, success=success, describe=_refusal_text)
    return redirect("collection:case", case_id=case_id)


def _invalid(request, form, case_id: int):
    form_errors_as_messages(request, form)
    return redirect("collection:case", case_id=case_id)


@require_POST
@role_required(COLLECTOR, ADMINISTRATOR)
def call(request, case_id: int):
    """Start a call: the full number is shown once, in this response only (never in a cookie,
    such as the messages one, which is signed but readable), and the showing is on record."""
    case = _my_case(request, case_id)
    verdict = selectors.channel_allowances(case=case, at=timezone.now())["call"]
    if not verdict.allowed:
        if request.htmx:
            return render(request, "collection/_call_number.html", {"call_refused": verdict.reason})
        messages.error(request, verdict.reason)
        return redirect("collection:case", case_id=case_id)
    pii_log.info(
        "personal data shown",
        extra={"fields": {"user_id": request.user.pk, "borrower_id": case.borrower_id}},
    )
    number = {"call_number": case.borrower.phone}
    if request.htmx:
        return render(request, "collection/_call_number.html", number)
    return render(request, "collection/case.html", {**_case_context(request, case), **number})


@require_POST
@role_required(COLLECTOR, ADMINISTRATOR)
def log_contact(request, case_id: int):
    case = _my_case(request, case_id)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, case_id)
    return _done(
        request,
        case_id,
        lambda: services.contact_log(
            case=case,
            channel=form.cleaned_data["channel"],
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            actor=request.user,
        ),
        _("The contact is recorded."),
    )


@require_POST
@role_required(COLLECTOR, ADMINISTRATOR)
def record_promise(request, case_id: int):
    case = _my_case(request, case_id)
    form = PromiseForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, case_id)
    return _done(
        request,
        case_id,
        lambda: services.promise_record(
            case=case,
            amount_kop=form.amount_kop(),
            promised_on=form.cleaned_data["promised_on"],
            actor=request.user,
        ),
        _("The promise is recorded."),
    )


@require_POST
@role_required(COLLECTOR, ADMINISTRATOR)
def send_message(request, case_id: int):
    case = _my_case(request, case_id)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, case_id)
    return _done(
        request,
        case_id,
        lambda: services.message_send(
            case_or_borrower=case,
            kind="collector",
            body=form.cleaned_data["body"],
            actor=request.user,
        ),
        _("The message is on its way."),
    )


@require_POST
@role_required(COLLECTOR, ADMINISTRATOR)
def offer_restructuring(request, case_id: int):
    case = _my_case(request, case_id)
    form = RestructuringForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, case_id)
    return _done(
        request,
        case_id,
        lambda: services.restructuring_offer(
            case=case,
            periods=form.cleaned_data["periods"],
            period_days=form.cleaned_data["period_days"],
            actor=request.user,
        ),
        _("The restructuring offer is sent."),
    )


@require_POST
@role_required(COLLECTOR, ADMINISTRATOR)
def reassign(request, case_id: int):
    case = _my_case(request, case_id)
    form = ReassignForm(request.POST, collectors=services.collectors())
    if not form.is_valid():
        return _invalid(request, form, case_id)
    return _done(
        request,
        case_id,
        lambda: services.case_reassign(
            case=case,
            collector=form.cleaned_data["collector"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        ),
        _("The case has a new collector."),
    )


@require_POST
@role_required(COLLECTOR, ADMINISTRATOR)
def hand_over(request, case_id: int):
    case = _my_case(request, case_id)
    return _done(
        request,
        case_id,
        lambda: services.case_hand_over_to_legal(case=case, actor=request.user),
        _("The case is with the legal team; the claim package is ready."),
    )


@require_GET
@role_required(COLLECTOR, ADMINISTRATOR)
def claim_package(request, case_id: int):
    case = _my_case(request, case_id)
    if case.stage != CaseStage.LEGAL:
        raise Http404
    on = current_business_date()
    wanted = request.GET.get("format")
    if case.loan_id is None and wanted in ("pdf", "csv", "xlsx"):
        return HttpResponse(
            _(
                "The court order application and the day-by-day calculation are drafted for loans;"
                " a card's claim goes with its statements of account."
            ),
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    if wanted == "pdf":
        try:
            pdf = claim.application_pdf(case=case, on=on)
        except DomainError as refusal:
            return HttpResponse(
                refusal.message, status=409, content_type="text/plain; charset=utf-8"
            )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="court-order-{case.pk}.pdf"'
        return response
    if wanted in ("csv", "xlsx"):  # the calculation, for a Russian Excel
        loan = Loan.objects.get(pk=case.loan_id)
        sheet = claim.calculation_sheet(claim.calculation(loan=loan, on=on))
        return exports.download(sheet, filename=f"calculation-{case.pk}", fmt=wanted)
    package = selectors.claim_package(case=case, on=on)
    if wanted == "kop":  # the package for the legal team's systems, amounts in kopecks
        response = HttpResponse(
            selectors.claim_package_csv(package), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="claim-{case.pk}.csv"'
        return response
    return render(request, "collection/claim_package.html", {"package": package})
