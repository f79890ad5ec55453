"""The thread catalogue: one data file for planning and records, every value sourced (issue 5 §1)."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema

from tests.helpers.knowledge import clinical_knowledge, defined_source_keys
from threadlift.clinic.catalogue import catalogue, catalogue_schema
from threadlift.clinic.threads import Design, Material


def test_every_cited_source_key_exists_in_the_knowledge_base():
    missing = catalogue().source_keys() - defined_source_keys(clinical_knowledge())
    assert not missing, f"catalogue cites keys absent from thread-lift-clinical.md: {sorted(missing)}"


def test_the_data_file_matches_its_schema_and_the_schema_file_matches_the_model():
    text = resources.files("threadlift.clinic.data").joinpath("thread_catalogue.schema.json").read_text()
    assert json.loads(text) == catalogue_schema(), "run `make docs` to regenerate the catalogue schema"
    data = json.loads(resources.files("threadlift.clinic.data").joinpath("thread_catalogue.json").read_text())
    jsonschema.validate(data, catalogue_schema())


def test_the_records_enums_and_the_catalogue_are_the_same_vocabulary():
    cat = catalogue()
    assert set(cat.materials) == set(Material)
    assert set(cat.designs) == set(Design)
    assert all(cat.materials[m].absorbable == m.absorbable for m in Material)


def test_areas_cover_the_issue_with_sane_ranges_and_lifting_designs():
    cat = catalogue()
    assert set(cat.areas) == {"brow", "midface", "nasolabial", "jawline", "marionette", "neck"}
    low, high = cat.lengths_mm.range
    for name, area in cat.areas.items():
        assert 1 <= area.count_per_side[0] <= area.count_per_side[1], name
        assert cat.designs[area.designs[0]].lifts, f"{name}: the first design is the suggestion; it must lift"
        assert area.gauge in cat.gauges.values and low <= area.length_mm <= high
        assert area.material.absorbable


def test_disagreeing_sources_are_stored_as_ranges_with_every_source():
    pdo = catalogue().materials[Material.PDO]
    assert pdo.conflict and pdo.effect_months == (1, 12) and len(pdo.effect_sources) >= 2
    plla = catalogue().materials[Material.PLLA]
    assert plla.conflict and plla.absorption_months is not None and plla.absorption_months[1] > 24
