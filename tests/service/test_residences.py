"""Reading residence uploads (service.residences): the reading of service.io with the residence columns, row
numbers as a spreadsheet shows them, all errors at once, the row limit while reading; the pooled site."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pytest

from matcher.models import Organisation
from matcher.reference import ReferenceData
from matcher.residences.aggregation import ResidenceCounts
from matcher.settings import MatcherSettings
from matcher.transit.model import TransitClass
from service.residences import (
    Pool,
    ResidenceAnalyst,
    ResidenceUploadError,
    TooManyRowsError,
    read_residence_file,
    residence_counts_of,
)
from service.storage.repository import StoredResidences
from tests.service.conftest import OrganisationFactory

KNOWN = frozenset({"44135", "44137", "44139", "01067"})


def test_header_synonyms_and_dropped_columns() -> None:
    data = b"PLZ Wohnort;Anzahl Mitarbeiter;Hauptverkehrsmittel;Bemerkung\n44139;4;Pkw;x\n44137;2;Rad;\n"
    counts, info = read_residence_file(data, "w.csv", KNOWN, max_rows=10)
    assert counts.as_dict() == {"44139": 4, "44137": 2}
    assert info.mapping == {"PLZ Wohnort": "postcode", "Anzahl Mitarbeiter": "count", "Hauptverkehrsmittel": "mode"}
    (warning,) = info.warnings
    assert "„Bemerkung“" in warning
    assert "postcode, count, mode, shift" in warning


def test_errors_name_the_spreadsheet_row_across_blank_lines_and_broken_rows() -> None:
    data = b'PLZ,Anzahl\n44139,3\n\n99999,2\n"44137,1\n'
    with pytest.raises(ResidenceUploadError) as raised:
        read_residence_file(data, "w.csv", KNOWN, max_rows=10)
    rows = [(p.row, p.field, p.value) for p in raised.value.problems]
    assert rows[0] == (4, "postcode", "99999")  # row 3 is blank: the bad value is in row 4, as Excel shows it
    assert rows[1][0] == 5  # the unclosed quote
    assert raised.value.count == 2


def test_the_row_limit_stops_reading() -> None:
    data = b"PLZ\n" + b"44139\n" * 5
    assert read_residence_file(data, "w.csv", KNOWN, max_rows=5)[0].total == 5
    with pytest.raises(TooManyRowsError, match="mehr als 4 Datenzeilen"):
        read_residence_file(data, "w.csv", KNOWN, max_rows=4)


def test_xlsx_numbers_and_a_dropped_leading_zero() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (["Postleitzahl", "Anzahl"], [1067, 3.0], [44139, 2]):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    counts, info = read_residence_file(buffer.getvalue(), "w.xlsx", KNOWN, max_rows=10)
    assert counts.as_dict() == {"01067": 3, "44139": 2}
    assert info.format == "xlsx"


def test_json_pairs_are_numbered_from_one() -> None:
    assert residence_counts_of([("44139", 2), ("44139", 3)], KNOWN).as_dict() == {"44139": 5}
    with pytest.raises(ResidenceUploadError) as raised:
        residence_counts_of([("44139", 2), ("00000", 3)], KNOWN)
    assert [(p.row, p.value) for p in raised.value.problems] == [(2, "00000")]


@pytest.fixture(scope="module")
def analyst(reference: ReferenceData) -> ResidenceAnalyst:
    return ResidenceAnalyst(reference, MatcherSettings().transit, k=5)


def test_the_pooled_site_is_the_centroid_with_its_own_transit_class(
    analyst: ResidenceAnalyst, make_organisation: OrganisationFactory
) -> None:
    # Dortmund Hbf and a point 2 km east: the centroid lies between them.
    station = make_organisation(id="a", lat=51.5178, lon=7.4593)
    east = make_organisation(id="b", lat=51.5178, lon=7.4881)
    site = analyst.pooled_site([station, east])
    assert site is not None
    assert site.lat == pytest.approx(51.5178, abs=1e-3)
    assert site.lon == pytest.approx((7.4593 + 7.4881) / 2, abs=1e-4)
    assert site.transit_class in (TransitClass.A, TransitClass.B)  # about 1 km from the main station
    assert analyst.pooled_site([]) is None


def _stored(organisation: Organisation, counts: dict[str, int]) -> StoredResidences:
    return StoredResidences(organisation.id, ResidenceCounts.of(counts), datetime.now(UTC))


def test_a_pool_without_consenting_uploads_has_no_site_and_no_counts(
    analyst: ResidenceAnalyst, make_organisation: OrganisationFactory
) -> None:
    refusing = make_organisation(id="r", share_residence_aggregates=False)
    answer = analyst.pooled(Pool("Test", {"estate": "Test"}, [refusing]), {"r": _stored(refusing, {"44139": 30})})
    assert answer["site"] is None
    assert answer["total"] == 0
    assert answer["organisations"] == 0
    assert answer["left_out"] == {"total": 1, "without_consent": 1, "without_upload": 0}
