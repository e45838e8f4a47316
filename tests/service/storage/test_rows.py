"""The one Organisation-to-cells mapping: it covers the table and the export columns and reads back."""

from __future__ import annotations

import json

from service.io.columns import COLUMNS
from service.io.exporting import organisation_cells
from service.storage.rows import (
    JSON_COLUMNS,
    ROW_COLUMNS,
    Cell,
    organisation_from_row,
    organisation_row,
    organisation_values,
    stored_row,
    stored_rows,
)
from service.storage.tables import organisations
from tests.service.conftest import OrganisationFactory


def test_row_has_every_table_column_but_the_timestamps(make_organisation: OrganisationFactory) -> None:
    row = organisation_row(make_organisation(id="rows-1"))
    assert set(row) == {c.name for c in organisations.columns} - {"created_at", "updated_at"}


def test_row_reads_back_to_the_same_organisation(make_organisation: OrganisationFactory) -> None:
    organisation = make_organisation(
        id="rows-2",
        contact={"name": "Erika Mustermann", "email": "erika@example.org", "phone": None},
        issues=["parking_shortage", "shift_work"],
    )
    codes = [i.value for i in organisation.issues]
    back = organisation_from_row(organisation_row(organisation), codes, list(organisation.measures_in_place))
    assert back == organisation


def test_export_cells_are_the_import_columns_in_order(make_organisation: OrganisationFactory) -> None:
    organisation = make_organisation(id="rows-3", contact={"name": "Erika Mustermann"})
    cells = organisation_cells(organisation)
    assert tuple(cells) == (*COLUMNS, "location_precision")  # then the derived column an import ignores
    assert cells["location_precision"] == "coordinates"
    assert cells["contact_name"] is None  # contacts only when asked for
    assert organisation_cells(organisation, include_contacts=True)["contact_name"] == "Erika Mustermann"
    assert cells["kind"] == organisation.kind.value


def test_values_for_the_bulk_load_are_the_row_in_column_order(make_organisation: OrganisationFactory) -> None:
    for organisation in (
        make_organisation(id="v-1", contact={"name": "Erika Mustermann", "email": "e@example.org"}),
        make_organisation(id="v-2", lat=None, lon=None, postcode="70173", issues=[], measures_in_place=[]),
        make_organisation(id="v-3", sector=None, visible_to_peers=True),
    ):
        assert tuple(organisation_row(organisation)) == ROW_COLUMNS
        assert organisation_values(organisation) == tuple(organisation_row(organisation).values())
        assert [type(v) for v in organisation_values(organisation)] == [
            type(v) for v in organisation_row(organisation).values()
        ]
        values, issues, measures = stored_row(organisation)
        assert all(isinstance(values[ROW_COLUMNS.index(column)], str) for column in JSON_COLUMNS)
        assert (_with_json_read(values), list(issues), list(measures)) == (
            organisation_values(organisation),
            [i.value for i in organisation.issues],
            list(organisation.measures_in_place),
        )


def _with_json_read(values: tuple[Cell, ...]) -> tuple[Cell, ...]:
    """A stored row's cells with the JSON columns (text for the bulk load) read back into values."""
    return tuple(
        json.loads(str(value)) if column in JSON_COLUMNS else value
        for column, value in zip(ROW_COLUMNS, values, strict=True)
    )


def test_rows_of_one_site_share_their_converted_features(make_organisation: OrganisationFactory) -> None:
    """Built together, organisations at one postcode share their features; their rows are what each gets alone."""
    first, second = (make_organisation(id=f"p-{n}", lat=None, lon=None, postcode="44135") for n in range(2))
    other = make_organisation(id="p-x")
    rows = stored_rows([first, second, other, first])
    assert rows == [stored_row(first), stored_row(second), stored_row(other), stored_row(first)]
    assert [_with_json_read(row[0]) for row in rows] == [organisation_values(o) for o in (first, second, other, first)]
