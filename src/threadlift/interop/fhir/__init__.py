"""FHIR export (R5 by default, R4B on request) of a patient's record: pure mappings over
:class:`threadlift.clinic.record.PatientRecord`, following ``records-standards.md`` §c1.

One module per part of the pathway (``consultation``, ``consents``, ``photos``, ``procedure``,
``followup``), each adding resources to a :class:`~threadlift.interop.fhir.base.Context`;
:mod:`~threadlift.interop.fhir.export` orders them and makes the Bundle or the NDJSON files;
:mod:`~threadlift.interop.fhir.r4b` turns the R5 resources into R4B ones; :mod:`~threadlift.interop.fhir.check`
validates with ``fhir.resources`` and checks what it does not (codes, reference targets).
"""

from threadlift.interop.fhir.base import ClinicInfo, Resource
from threadlift.interop.fhir.export import bundle, bundle_id, ndjson_lines, patient_resources

__all__ = ["ClinicInfo", "Resource", "bundle", "bundle_id", "ndjson_lines", "patient_resources"]
