"""Underwriter pages: the queue, take-next, the dossier and the decisions. Thin: services and
selectors do the work; a refusal comes back as a message on the page, never an error page."""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kernel.errors import DomainError
from kernel.pages import form_errors_as_messages, query_without, run_as_message
from kernel.roles import ADMINISTRATOR, RISK_MANAGER, UNDERWRITER, role_required
from underwriting import selectors, services
from underwriting.filters import ReviewQueueFilter, sla_state
from underwriting.forms import ApproveForm, DeclineForm, DocumentRequestForm

REVIEWERS = (UNDERWRITER, RISK_MANAGER, ADMINISTRATOR)
pii_log = logging.getLogger("zaymer.security")


@require_GET
@role_required(*REVIEWERS)
def queue(request):
    filterset = ReviewQueueFilter(request.GET, queryset=selectors.queue_tasks(), request=request)
    tasks = filterset.qs if filterset.is_valid() else selectors.queue_tasks().none()
    page = Paginator(tasks, settings.UNDERWRITING_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        (task, sla_state(task, now), int((now - task.created_at).total_seconds() // 60))
        for task in page.object_list
    ]
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "now": now,
        "query": query_without(request, drop=("page",)),
        "sort_query": query_without(request, drop=("page", "sort")),
    }
    if request.htmx and request.htmx.target == "queue-table":
        return render(request, "underwriting/_queue_table.html", context)
    return render(request, "underwriting/queue.html", context)


@require_POST
@role_required(*REVIEWERS)
def take_next(request):
    task = services.review_claim_next(actor=request.user)
    if task is None:
        messages.info(request, _("Nobody is waiting: the queue is empty."))
        return redirect("underwriting:queue")
    return redirect("underwriting:task", task_id=task.pk)


@require_GET
@role_required(*REVIEWERS)
def task(request, task_id: int):
    found = selectors.task_for_dossier(task_id=task_id)
    if found is None:
        raise Http404
    if found.assigned_to_id == request.user.pk:
        services.review_touch(task_id=found.pk, actor=request.user)
    # The dossier shows the borrower's documents unmasked: every showing is on record.
    pii_log.info(
        "personal data shown",
        extra={"fields": {"user_id": request.user.pk, "borrower_id": found.loan.borrower_id}},
    )
    dossier = selectors.dossier(task=found)
    context = {
        "d": dossier,
        "preview": selectors.approval_preview(
            task=found, actor=request.user, amount_kop=None, term_days=None, as_asked=dossier.offer
        ),
        "sla": sla_state(found, timezone.now()),
        "mine": found.assigned_to_id == request.user.pk,
        "decidable": found.in_queue,
        "approve_form": ApproveForm(),
        "decline_form": DeclineForm(),
        "document_form": DocumentRequestForm(),
    }
    return render(request, "underwriting/dossier.html", context)


@require_GET
@role_required(*REVIEWERS)
def approve_preview(request, task_id: int):
    """The schedule and ПСК an approval with the typed amount and term would give (htmx);
    input the approval would refuse answers 422 with the reason in words."""
    found = selectors.task_for_dossier(task_id=task_id)
    if found is None:
        raise Http404
    form = ApproveForm(request.GET)
    if not form.is_valid():
        problem = " ".join(str(error) for errors in form.errors.values() for error in errors)
        preview = selectors.Offer(amount_kop=0, term_days=0, problem=problem)
    else:
        preview = selectors.approval_preview(
            task=found,
            actor=request.user,
            amount_kop=form.amount_kop(),
            term_days=form.cleaned_data["term_days"],
        )
    return render(
        request,
        "underwriting/_approve_preview.html",
        {"preview": preview},
        status=422 if preview.problem else 200,
    )


def _act(request, task_id: int, action, success: str):
    run_as_message(request, action, success=success)
    return redirect("underwriting:task", task_id=task_id)


def _form_errors(request, form, task_id: int):
    form_errors_as_messages(request, form)
    return redirect("underwriting:task", task_id=task_id)


@require_POST
@role_required(*REVIEWERS)
def claim(request, task_id: int):
    return _act(
        request,
        task_id,
        lambda: services.review_claim(task_id=task_id, actor=request.user),
        _("The application is yours."),
    )


@require_POST
@role_required(*REVIEWERS)
def release(request, task_id: int):
    try:
        services.review_release(task_id=task_id, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("underwriting:task", task_id=task_id)
    messages.info(request, _("The application is back in the queue."))
    return redirect("underwriting:queue")


@require_POST
@role_required(*REVIEWERS)
def approve(request, task_id: int):
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, task_id)
    return _act(
        request,
        task_id,
        lambda: services.review_approve(
            task_id=task_id,
            actor=request.user,
            amount_kop=form.amount_kop(),
            term_days=form.cleaned_data["term_days"],
            comment=form.cleaned_data["comment"],
        ),
        _("Approved. The borrower will get the offer."),
    )


@require_POST
@role_required(*REVIEWERS)
def decline(request, task_id: int):
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, task_id)
    return _act(
        request,
        task_id,
        lambda: services.review_decline(
            task_id=task_id,
            actor=request.user,
            reasons=form.cleaned_data["reasons"],
            comment=form.cleaned_data["comment"],
        ),
        _("Declined."),
    )


@require_POST
@role_required(*REVIEWERS)
def request_document(request, task_id: int):
    form = DocumentRequestForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, task_id)
    return _act(
        request,
        task_id,
        lambda: services.review_request_document(
            task_id=task_id, actor=request.user, document=form.cleaned_data["document"]
        ),
        _("The borrower has been asked for the document; the task waits."),
    )


@require_POST
@role_required(*REVIEWERS)
def document_received(request, task_id: int):
    return _act(
        request,
        task_id,
        lambda: services.review_document_received(task_id=task_id, actor=request.user),
        _("The document is in: the task is open again."),
    )


@require_POST
@role_required(*REVIEWERS)
def heartbeat(request, task_id: int):
    services.review_touch(task_id=task_id, actor=request.user)
    return HttpResponse(status=204)
