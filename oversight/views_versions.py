"""New protocol versions in the browser (SSP 17, SDP 13): the admin uploads a pack, validated by
the loader `manage.py load_protocol` uses (every problem shown with its field path; nothing
kept); the version is set against the one in force; designated officers (or, as the pack says,
the board through the admin) approve it, and the last approval brings it into force."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from oversight.diff import pack_diff
from oversight.forms import ApprovalForm, PackUploadForm, SignatureForm, WithdrawForm
from oversight.models import ProposalStatus, ProtocolSignature
from oversight.report import report_marking_name
from oversight.selectors import (
    access_proposed_version,
    approving_organisations,
    proposed_versions,
    review_lessons,
    signatory_register,
    unsigned_blocks_sharing,
)
from oversight.services import (
    APPROVAL_LABELS,
    protocol_sign,
    protocol_version_approve,
    protocol_version_propose,
    protocol_version_withdraw,
    version_may_approve,
    version_may_withdraw,
)
from portal.pdf import download_footer, render_pdf
from portal.protocols.selectors import current_protocol_pack
from portal.protocols.validation import ProtocolPackError
from portal.roles import Role
from portal.selectors.partnerships import (
    membership_partnership,
    membership_partnerships,
    partnership_organisations,
    user_partnerships,
)
from portal.views.decorators import role_required

VERSION_READERS = (Role.ADMIN, Role.DESIGNATED_OFFICER, Role.AUDITOR)


def _partnership(request):
    return membership_partnership(membership=request.membership)


@role_required(*VERSION_READERS)
@require_http_methods(["GET", "POST"])
def versions(request):
    partnership = _partnership(request)
    current = current_protocol_pack(partnership)
    form = PackUploadForm()
    if request.method == "POST":
        if request.membership.role != Role.ADMIN:
            raise PermissionDenied("Only the partnership admin uploads a new version")
        form = PackUploadForm(request.POST, request.FILES)
        if form.is_valid():
            name, text = form.cleaned_data["pack_file"]
            try:
                proposal = protocol_version_propose(
                    partnership=partnership, text=text, source_name=name,
                    acting_user=request.user, acting_membership=request.membership,
                )
            except ProtocolPackError as error:
                for issue in error.issues:
                    form.add_error("pack_file", f"{issue.path or 'The pack'}: {issue.message}")
            except ValidationError as error:
                form.add_error("pack_file", error.messages[0])
            else:
                return redirect("oversight:version", pk=proposal.pk)
    return render(
        request,
        "oversight/versions.html",
        {
            "form": form,
            "partnership": partnership,
            "current": current,
            "lessons": review_lessons(pack=current),
            "proposals": proposed_versions(partnership_id=partnership.pk)[:50],
            "can_upload": request.membership.role == Role.ADMIN,
        },
        status=400 if form.errors else 200,
    )


def _approval_rows(proposal):
    approved = {a.organisation_id: a for a in proposal.approvals.select_related("approved_by", "organisation")}
    rows = [(org.name, approved.get(org.pk)) for org in approving_organisations(proposal=proposal)]
    if proposal.approval_rule == "board":
        rows = [("The partnership board", approved.get(None))]
    return rows


def _version_page(request, proposal, form, status=200):
    return render(
        request,
        "oversight/version.html",
        {
            "proposal": proposal,
            "diff": pack_diff(old=proposal.base_pack.data, new=proposal.data),
            "approvals": _approval_rows(proposal),
            "rule": APPROVAL_LABELS.get(proposal.approval_rule, proposal.approval_rule),
            "may_approve": version_may_approve(proposal=proposal, membership=request.membership),
            "may_withdraw": version_may_withdraw(proposal=proposal, membership=request.membership),
            "form": form,
            "awaiting": proposal.status == ProposalStatus.AWAITING,
        },
        status=status,
    )


@role_required(*VERSION_READERS)
def version(request, pk):
    proposal = access_proposed_version(partnership_ids=membership_partnerships(membership=request.membership).values_list("pk", flat=True), pk=pk)
    return _version_page(request, proposal, ApprovalForm())


@role_required(Role.DESIGNATED_OFFICER, Role.ADMIN)
@require_POST
def version_approve(request, pk):
    proposal = access_proposed_version(partnership_ids=membership_partnerships(membership=request.membership).values_list("pk", flat=True), pk=pk)
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        return _version_page(request, proposal, form, status=400)
    if not version_may_approve(proposal=proposal, membership=request.membership):
        raise PermissionDenied("You cannot approve this version")
    protocol_version_approve(
        proposal=proposal, acting_user=request.user, acting_membership=request.membership,
        note=form.cleaned_data["note"],
    )
    return redirect("oversight:version", pk=proposal.pk)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def version_withdraw(request, pk):
    """Confirm withdrawing a proposed version, with the reason for the record (SSP 17)."""
    proposal = access_proposed_version(partnership_ids=membership_partnerships(membership=request.membership).values_list("pk", flat=True), pk=pk)
    if not version_may_withdraw(proposal=proposal, membership=request.membership):
        raise PermissionDenied("Only a partnership admin withdraws a version waiting for approval")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            protocol_version_withdraw(
                proposal=proposal, reason=form.cleaned_data["reason"], acting_user=request.user, acting_membership=request.membership
            )
        except ValidationError as error:
            form.add_error("reason" if hasattr(error, "error_dict") else None, error.messages[0])
        else:
            messages.success(request, f"Version {proposal.version} withdrawn: it will not come into force")
            return redirect("oversight:version", pk=proposal.pk)
    return render(
        request,
        "oversight/version_withdraw.html",
        {"proposal": proposal, "form": form, "approved": proposal.approvals.filter(voided_at__isnull=True).count()},
        status=400 if form.errors else 200,
    )


def version_changes(request, pk):
    """What changed in a version, for anyone taking part in its partnership (the protocol is read
    by every partner; a requester with a draft under the old version is sent here)."""
    proposal = access_proposed_version(partnership_ids=user_partnerships(user=request.user).values_list("pk", flat=True), pk=pk)
    return render(
        request,
        "oversight/version_changes.html",
        {"proposal": proposal, "diff": pack_diff(old=proposal.base_pack.data, new=proposal.data)},
    )


@role_required(*VERSION_READERS)
def signatories(request):
    """The signatory register: flagged organisations first, so the admin sees what to chase."""
    partnership = _partnership(request)
    rows = signatory_register(partnership_id=partnership.pk)
    pack = current_protocol_pack(partnership)
    blocks = unsigned_blocks_sharing(pack)
    return render(
        request,
        "oversight/signatories.html",
        {
            "partnership": partnership,
            "pack": pack,
            "rows": sorted(rows, key=lambda row: (not row["flags"], row["organisation"].name)),
            "flagged": sum(1 for row in rows if row["flags"]),
            "blocks_sharing": blocks,
            "blocked": sum(1 for row in rows if row["blocked"]),
        },
    )


@role_required(Role.DESIGNATED_OFFICER)
@require_http_methods(["GET", "POST"])
def signature(request):
    """SDP Appendix 2 signed in the portal: the designated officer records their organisation's
    signatory signing the version in force."""
    partnership = _partnership(request)
    pack = current_protocol_pack(partnership)
    if pack is None:
        raise Http404("No protocol in force")
    signed = ProtocolSignature.objects.filter(pack=pack, organisation=request.membership.organisation).first()
    form = SignatureForm(request.POST or None)
    if request.method == "POST" and signed is None and form.is_valid():
        try:
            protocol_sign(
                pack=pack, signatory_name=form.cleaned_data["signatory_name"], signatory_title=form.cleaned_data["signatory_title"],
                acting_user=request.user, acting_membership=request.membership,
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            return redirect("oversight:signature")
    return render(
        request,
        "oversight/signature.html",
        {"form": form, "pack": pack, "partnership": partnership, "signed": signed},
        status=400 if form.errors else 200,
    )


@role_required(*VERSION_READERS)
def signature_form_pdf(request, org_pk):
    """The Authorised Signatory Form (SDP Appendix 2) of one member organisation for the version in
    force, as a marked PDF: blank for signing on paper, or with the signature recorded in the portal."""
    partnership = _partnership(request)
    pack = current_protocol_pack(partnership)
    organisation = partnership_organisations(partnership=partnership).filter(pk=org_pk).first()
    if pack is None or organisation is None:
        raise Http404("No such organisation in this partnership")
    signed = ProtocolSignature.objects.filter(pack=pack, organisation=organisation).first()
    pdf = render_pdf(
        template_name="pdf/oversight/signatory_form.html",
        context={"pack": pack, "organisation": organisation, "signed": signed, "partnership": partnership},
        marking_text=report_marking_name(pack),
        footer_text=download_footer(user=request.user, organisation_name=request.membership.organisation.name),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="authorised-signatory-form-{pack.version}-{organisation.pk}.pdf"'
    return response
