"""Records leaving the clinic in other systems' formats: FHIR (:mod:`threadlift.interop.fhir`) and CSV
registers (:mod:`threadlift.interop.csv_registers`). Pure mappings over domain records; no I/O."""
