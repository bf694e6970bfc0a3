"""What the signing pages of the patient (at home) and of the desk (the tablet) share:
the signing step, and the download of a frozen consent PDF (audited)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from clinic.audit import Actor, audit_record
from clinic.errors import DomainError
from clinic.pages import show_domain_error
from patients.files import clinical_storage
from patients.forms import ConsentSignForm
from patients.models import ConsentAcceptance, ConsentText, Patient
from patients.selectors import signed_consent_get_for
from patients.services import consent_sign


def sign_step(
    request: HttpRequest, patient: Patient, text: ConsentText
) -> tuple[ConsentSignForm, ConsentAcceptance | None]:
    """The signing form, and the signed consent when a valid POST was frozen."""
    form = ConsentSignForm(
        request.POST if request.method == "POST" else None, initial={"version": text.version}
    )
    if request.method != "POST" or not form.is_valid():
        return form, None
    try:
        signed = consent_sign(
            actor=Actor.from_request(request),
            patient=patient,
            version=form.cleaned_data["version"],
            signature=form.cleaned_data["signature"],
            ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except DomainError as exc:
        _place_error(form, exc)
        return form, None
    return form, signed


def _place_error(form: ConsentSignForm, exc: DomainError) -> None:
    """Beside the signature pad (a hidden field, which show_domain_error would skip)."""
    if "signature" in exc.fields:
        for message in exc.fields["signature"]:
            form.add_error("signature", message)
    else:
        show_domain_error(form, exc)


@login_required
@require_GET
def consent_pdf_file(request: HttpRequest, pk: int) -> HttpResponse:
    signed = signed_consent_get_for(request.user, pk)
    audit_record(
        Actor.from_request(request), action="read", obj=signed, patient_id=signed.patient_id
    )
    response = FileResponse(
        clinical_storage().open(signed.pdf_name, "rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"consent-v{signed.consent.version}-{signed.pk}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
