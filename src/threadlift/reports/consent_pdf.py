"""The signed consent as the patient takes it home: the exact text of the version signed, the risks
discussed, the drawn signature, who signed and took the consent and when, and the SHA-256 of the
signed record (which the clinic's copy must still match)."""

from __future__ import annotations

import base64
import io

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, Spacer

from threadlift.clinic.consent import ConsentDocument, SignedConsent
from threadlift.clinic.consultation import Consultation
from threadlift.clinic.corrections import EnteredInError
from threadlift.clinic.record import PatientRecord
from threadlift.reports.pdf import Letterhead, build, bullets, escape, keep, styles, table


def consent_pdf(letterhead: Letterhead, record: PatientRecord, consent: SignedConsent,
                document: ConsentDocument | None, consultation: Consultation | None,
                in_error: EnteredInError | None = None) -> bytes:
    """The signed consent; ``in_error``: it was marked as entered in error, said at the top (it no longer counts)."""
    s = styles()
    title = document.title if document else "Consent to a facial thread lift"
    story: list[Flowable] = [Paragraph(escape(title), s.title),
                             Paragraph(escape(f"Version {consent.document_version}, signed "
                                              f"{letterhead.local(consent.signed_at)}"), s.body)]
    if in_error is not None:
        story.append(Paragraph(escape(f"Entered in error: marked by {record.staff_name(in_error.by)} on "
                                      f"{letterhead.local(in_error.at)} ({in_error.reason}). This consent is kept on "
                                      "the record; it no longer counts as consent."), s.heading))
    story.append(Paragraph("What you read and agreed to", s.heading))
    if document is None:
        story.append(Paragraph("The text of this version is no longer held by the clinic; its SHA-256 below "
                               "identifies it.", s.body))
    else:
        for paragraph in document.text.split("\n"):
            if paragraph.strip():
                story.append(Paragraph(escape(paragraph), s.body))
        if document.sha256 != consent.document_sha256:
            story.append(Paragraph("<b>Warning:</b> the text above does not match the version that was signed "
                                   "(its SHA-256 differs).", s.body))
    if consultation is not None:
        story.append(Paragraph("Risks discussed with you before you signed", s.heading))
        story += bullets([r.value.replace("_", " ") for r in consultation.risks_discussed], s.bullet)
    signature = Image(io.BytesIO(base64.b64decode(consent.signature_png_base64)))
    scale = min(70 * mm / signature.imageWidth, 25 * mm / signature.imageHeight)
    signature.drawWidth, signature.drawHeight = signature.imageWidth * scale, signature.imageHeight * scale
    signature.hAlign = "LEFT"
    story.append(keep(
        Paragraph("Signature", s.heading), signature, Spacer(1, 2 * mm),
        table([["Signed by (typed name)", consent.typed_name + (
                   f" ({consent.representative_relationship} of the patient, signing for them)"
                   if consent.representative_relationship else "")],
               ["Signed at", letterhead.local(consent.signed_at) + letterhead.local(consent.signed_at, " %Z")],
               ["Consent taken by", record.staff_name(consent.taken_by) + " (the practitioner who performs the "
                                                                          "procedure)"],
               ["Document version", consent.document_version]], [55 * mm, 110 * mm], header=False)))
    intact = consent.verify()
    story += [Paragraph("Integrity", s.heading),
              Paragraph(escape(f"SHA-256 of the signed record: {consent.content_sha256}"), s.small),
              Paragraph(escape(f"SHA-256 of the text signed: {consent.document_sha256}"), s.small),
              Paragraph("The clinic's record matches these hashes: it has not changed since it was signed."
                        if intact else "<b>The clinic's record no longer matches the hash taken at signing.</b>",
                        s.small)]
    return build(letterhead, record.patient, "Signed consent", story, subject="signed consent")
