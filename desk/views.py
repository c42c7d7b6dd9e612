"""The staff desk: a search across the book, a borrower's page and the audit trail.

The search term travels in a POST body (paging too), never in the address: a phone or a
passport in a URL would land in access logs and the browser's history. The borrower's page
carries only the borrower's number.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from desk import selectors
from desk.audit import EXPORT_LIMIT, PAGE_SIZE, AuditFilter, AuditRow, audit_page, audit_rows
from desk.forms import AuditForm, SearchForm
from desk.services import MAKERS
from kernel.exports import Column, Kind, Sheet, download
from kernel.masking import mask_name, mask_passport, mask_phone
from kernel.roles import ADMINISTRATOR, RISK_MANAGER, ROLES, has_role, role_required
from loans.admin.search import sees_personal_data
from loans.models import Borrower

pii_log = logging.getLogger("zaymer.security")


@dataclass(frozen=True)
class Shown:
    """A borrower's personal data as this member of staff may see it."""

    name: str
    phone: str
    passport: str


def _shown(request: HttpRequest, borrower: Borrower, *, unmasked: bool) -> Shown:
    if not unmasked:
        return Shown(
            name=mask_name(borrower.full_name),
            phone=mask_phone(borrower.phone),
            passport=mask_passport(borrower.passport_series, borrower.passport_number),
        )
    pii_log.info(
        "personal data shown",
        extra={"fields": {"user_id": request.user.pk, "borrower_id": borrower.pk}},
    )
    return Shown(
        name=borrower.full_name,
        phone=borrower.phone,
        passport=f"{borrower.passport_series} {borrower.passport_number}",
    )


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.POST or None)
    context: dict = {"form": form}
    if request.method == "POST":
        if not form.is_valid():
            context["error"] = _("The page number is not valid.")
            return render(request, "desk/search.html", context)
        query = selectors.parse_query(form.cleaned_data["q"] or "")
        if query.error:
            context["error"] = query.error
            return render(request, "desk/search.html", context)
        if query.personal:
            pii_log.info(
                "personal data searched",
                extra={
                    "fields": {
                        "user_id": request.user.pk,
                        "keys": sorted(k.value for k in query.keys),
                    }
                },
            )
        page = selectors.search_borrowers(query=query, page=form.cleaned_data["page"] or 1)
        unmasked = sees_personal_data(request.user)
        context.update(
            searched=True,
            page=page,
            term=form.cleaned_data["q"],
            results=[(b, _shown(request, b, unmasked=unmasked)) for b in page.object_list],
        )
    return render(request, "desk/search.html", context)


@require_GET
@role_required(*ROLES)
def borrower(request: HttpRequest, borrower_id: int) -> HttpResponse:
    found = selectors.borrower_page(borrower_id=borrower_id)
    if found is None:
        raise Http404
    shown = _shown(request, found.borrower, unmasked=sees_personal_data(request.user))
    return render(
        request,
        "desk/borrower.html",
        {
            "p": found,
            "shown": shown,
            "list_limit": selectors.LIST_LIMIT,
            "services_loans": has_role(request.user, *MAKERS),
        },
    )


def _audit_filter(form: AuditForm) -> AuditFilter:
    data = form.cleaned_data

    def moment(day: dt.date | None) -> dt.datetime | None:
        return None if day is None else timezone.make_aware(dt.datetime.combine(day, dt.time()))

    until = data.get("until")
    return AuditFilter(
        kind=data.get("kind") or "",
        object_id=data.get("object_id"),
        actor=(data.get("actor") or "").strip(),
        since=moment(data.get("since")),
        until=moment(until + dt.timedelta(days=1) if until else None),
    )


@require_GET
@role_required(RISK_MANAGER, ADMINISTRATOR)
def audit(request: HttpRequest) -> HttpResponse:
    form = AuditForm(request.GET)
    context: dict = {"form": form}
    if form.is_valid():
        context["page"] = audit_page(
            wanted=_audit_filter(form), page=form.cleaned_data["page"] or 1
        )
        query = request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        context["page_size"] = PAGE_SIZE
    return render(request, "desk/audit.html", context)


def _sheet(rows: list[AuditRow]) -> Sheet:
    return Sheet(
        title=_("Audit trail"),
        columns=[
            Column(_("When")),
            Column(_("Object")),
            Column(_("Number"), Kind.INTEGER),
            Column(_("Who")),
            Column(_("What")),
            Column(_("Reason")),
        ],
        rows=[
            (
                timezone.localtime(row.at).strftime("%d.%m.%Y %H:%M:%S"),
                row.kind_label,
                row.object_id,
                row.actor,
                row.action,
                row.detail,
            )
            for row in rows
        ],
    )


@require_GET
@role_required(RISK_MANAGER, ADMINISTRATOR)
def audit_download(request: HttpRequest, fmt: str) -> HttpResponse:
    form = AuditForm(request.GET)
    if not form.is_valid():
        return render(request, "desk/audit.html", {"form": form}, status=400)
    rows = audit_rows(wanted=_audit_filter(form), limit=EXPORT_LIMIT)
    return download(_sheet(rows), filename="audit", fmt=fmt)
