"""CSV registers: a header, ISO dates, RFC 4180 quoting, spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from threadlift.interop.csv_registers import cell, to_csv


def test_rfc_4180_quoting_iso_dates_and_a_header():
    text = to_csv(["name", "on", "at", "note"], [["Smith, Jo", date(2026, 11, 2), datetime(2026, 11, 2, 9, 30,
                                                                                             tzinfo=UTC),
                                                  'said "no"\nthen left']])
    assert text.startswith("name,on,at,note\r\n")
    assert '"Smith, Jo",2026-11-02,2026-11-02T09:30:00+00:00,"said ""no""\nthen left"\r\n' in text
    assert list(csv.reader(io.StringIO(text)))[1][3] == 'said "no"\nthen left'


def test_cells_a_spreadsheet_would_run_are_neutralised_but_numbers_are_not():
    for dangerous in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert cell(dangerous) == "'" + dangerous
    assert cell(-1.5) == -1.5 and cell(0) == 0 and cell("PDO-2026-0001") == "PDO-2026-0001"
    assert cell(True) == "yes" and cell(None) == "" and cell(["a", "b"]) == "a; b"
    text = to_csv(["lot"], [["=cmd|' /C calc'!A0"]])
    assert text.splitlines()[1] == "'=cmd|' /C calc'!A0"
