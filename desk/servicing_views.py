"""Servicing pages: a loan's servicing page with its actions, and the queue of proposals
awaiting a second person. Thin: desk.services does the work and says why it refuses."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from desk import selectors, services
from desk.forms import DecisionForm, PaymentForm, ProlongationForm, ReasonForm, RestructuringForm
from desk.models import ActionStatus, ServicingAction, ServicingPolicy
from kernel.errors import DomainError
from kernel.pages import form_errors_as_messages, run_as_message
from kernel.roles import has_role, role_required
from loans.models import Loan


def _loan(loan_id: int) -> Loan:
    return get_object_or_404(Loan.objects.select_related("product"), pk=loan_id)


@require_GET
@role_required(*services.MAKERS)
def loan_page(request: HttpRequest, loan_id: int) -> HttpResponse:
    found = selectors.loan_servicing(loan_id=loan_id)
    if found is None:
        raise Http404
    return render(
        request,
        "desk/loan.html",
        {
            "s": found,
            "threshold_kop": ServicingPolicy.current().payment_four_eyes_above_kop,
            "checker": has_role(request.user, *services.CHECKERS),
            # Several forms on one page: each names its fields' ids apart.
            "payment_form": PaymentForm(auto_id="payment_%s"),
            "prolongation_form": ProlongationForm(auto_id="prolongation_%s"),
            "restructuring_form": RestructuringForm(auto_id="restructuring_%s"),
            "refund_form": ReasonForm(auto_id="refund_%s"),
            "write_off_form": ReasonForm(auto_id="write_off_%s"),
            "decision_form": DecisionForm(auto_id=False),
            "list_limit": selectors.LIST_LIMIT,
        },
    )


def _act(
    request: HttpRequest,
    loan_id: int,
    form_class: type[forms.Form],
    call: Callable[[forms.Form, Loan], ServicingAction],
    done: str,
    proposed: str,
) -> HttpResponse:
    loan = _loan(loan_id)
    form = form_class(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("desk:loan", loan_id=loan_id)
    try:
        made = call(form, loan)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, proposed if made.status == ActionStatus.PENDING else done)
    return redirect("desk:loan", loan_id=loan_id)


@require_POST
@role_required(*services.MAKERS)
def post_payment(request: HttpRequest, loan_id: int) -> HttpResponse:
    def call(form, loan):
        return services.servicing_post_payment(
            loan=loan,
            amount_kop=form.amount_kop(),
            received_on=form.cleaned_data["received_on"],
            bank_reference=form.cleaned_data["bank_reference"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )

    return _act(
        request,
        loan_id,
        PaymentForm,
        call,
        _("The payment is booked."),
        _("The payment is above the threshold: it is booked once another person approves it."),
    )


@require_POST
@role_required(*services.MAKERS)
def prolong(request: HttpRequest, loan_id: int) -> HttpResponse:
    def call(form, loan):
        return services.servicing_prolong(
            loan=loan,
            days=form.cleaned_data["days"],
            amount_kop=form.amount_kop(),
            received_on=form.cleaned_data["received_on"],
            bank_reference=form.cleaned_data["bank_reference"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )

    return _act(
        request,
        loan_id,
        ProlongationForm,
        call,
        _("The loan is prolonged."),
        _("The payment is above the threshold: the loan is prolonged once another approves."),
    )


@require_POST
@role_required(*services.MAKERS)
def restructure(request: HttpRequest, loan_id: int) -> HttpResponse:
    def call(form, loan):
        return services.servicing_restructure(
            loan=loan,
            periods=form.cleaned_data["periods"],
            period_days=form.cleaned_data["period_days"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )

    done = _("The loan is restructured.")
    return _act(request, loan_id, RestructuringForm, call, done, done)


@require_POST
@role_required(*services.MAKERS)
def propose_refund(request: HttpRequest, loan_id: int) -> HttpResponse:
    def call(form, loan):
        return services.servicing_propose_refund(
            loan=loan, reason=form.cleaned_data["reason"], actor=request.user
        )

    return _act(
        request, loan_id, ReasonForm, call, "", _("The refund awaits another person's approval.")
    )


@require_POST
@role_required(*services.MAKERS)
def propose_write_off(request: HttpRequest, loan_id: int) -> HttpResponse:
    def call(form, loan):
        return services.servicing_propose_write_off(
            loan=loan, reason=form.cleaned_data["reason"], actor=request.user
        )

    return _act(
        request,
        loan_id,
        ReasonForm,
        call,
        "",
        _("The write-off awaits another person's approval."),
    )


@require_GET
@role_required(*services.MAKERS)
def queue(request: HttpRequest) -> HttpResponse:
    page_number = request.GET.get("page", "1")
    page = selectors.servicing_queue(page=int(page_number) if page_number.isdigit() else 1)
    return render(
        request,
        "desk/servicing_queue.html",
        {
            "page": page,
            "checker": has_role(request.user, *services.CHECKERS),
            "decision_form": DecisionForm(auto_id=False),
            "query": "",
        },
    )


def _decide(request: HttpRequest, action_id: int, decide, success: str) -> HttpResponse:
    action = get_object_or_404(ServicingAction, pk=action_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        run_as_message(
            request,
            lambda: decide(action=action, actor=request.user, comment=form.cleaned_data["comment"]),
            success=success,
        )
    else:
        form_errors_as_messages(request, form)
    if request.POST.get("back") == "loan":
        return redirect("desk:loan", loan_id=action.loan_id)
    return redirect("desk:servicing-queue")


@require_POST
@role_required(*services.CHECKERS)
def approve(request: HttpRequest, action_id: int) -> HttpResponse:
    return _decide(request, action_id, services.servicing_approve, _("Approved and done."))


@require_POST
@role_required(*services.CHECKERS)
def reject(request: HttpRequest, action_id: int) -> HttpResponse:
    return _decide(request, action_id, services.servicing_reject, _("Rejected."))
