"""The alignment index weights: an admin setting, validated by the settings service."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from smarketing.configuration.models import DEFAULT_ALIGNMENT_WEIGHTS
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.configuration.services import workspace_settings_update
from smarketing.dashboard.alignment import COMPONENTS

pytestmark = pytest.mark.django_db


def test_defaults_are_spec_sections_weights_for_every_component(alpha):
    assert DEFAULT_ALIGNMENT_WEIGHTS == {
        "sla_compliance": 30,
        "handoff_acceptance": 20,
        "survey_score": 25,
        "perception_agreement": 10,
        "nps": 15,
    }
    assert tuple(DEFAULT_ALIGNMENT_WEIGHTS) == COMPONENTS
    with schema_context(alpha.schema_name):
        assert workspace_settings_get().alignment_weights == DEFAULT_ALIGNMENT_WEIGHTS


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({**DEFAULT_ALIGNMENT_WEIGHTS, "nps": -1}, "nps: a whole number from 0 to 100"),
        ({**DEFAULT_ALIGNMENT_WEIGHTS, "nps": 101}, "nps: a whole number from 0 to 100"),
        ({**DEFAULT_ALIGNMENT_WEIGHTS, "nps": 1.5}, "nps: a whole number from 0 to 100"),
        ({"nps": 10}, "give a weight to each of"),
        (dict.fromkeys(DEFAULT_ALIGNMENT_WEIGHTS, 0), "at least one weight must be more than 0"),
    ],
)
def test_bad_weights_are_refused_and_nothing_changes(alpha, weights, message):
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError, match=message):
            workspace_settings_update(changes={"alignment_weights": weights})
        assert workspace_settings_get().alignment_weights == DEFAULT_ALIGNMENT_WEIGHTS


def test_weights_are_saved_without_recomputing_kpis(alpha):
    weights = {**DEFAULT_ALIGNMENT_WEIGHTS, "sla_compliance": 0}
    with schema_context(alpha.schema_name):
        before = workspace_settings_get().definitions_version
        workspace_settings_update(changes={"alignment_weights": weights})
        row = workspace_settings_get()
        assert row.alignment_weights == weights and row.definitions_version == before
