"""The import kinds (SPEC section 3 as data) describe the funnel tables exactly."""

import pytest
from django.apps import apps
from django.db import models

from smarketing.funnel.importers.kinds import KINDS, ColumnType

MODEL_FIELD_TYPES = {
    ColumnType.TEXT: (models.TextField, models.CharField),
    ColumnType.ENUM: (models.CharField,),
    ColumnType.DATETIME: (models.DateTimeField,),
    ColumnType.DATE: (models.DateField,),
    ColumnType.MONTH: (models.DateField,),
    ColumnType.MONEY: (models.DecimalField,),
    ColumnType.INTEGER: (models.IntegerField, models.BigIntegerField),
    ColumnType.CHANNEL: (models.TextField,),
    ColumnType.CURRENCY: (models.CharField,),
}


def _model(table: str) -> type[models.Model]:
    return next(m for m in apps.get_app_config("funnel").get_models() if m._meta.db_table == table)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_column_is_a_field_of_the_kinds_table_with_a_matching_type(kind):
    spec = KINDS[kind]
    model = _model(spec.table)
    for column in spec.columns:
        field = model._meta.get_field(column.name)
        assert isinstance(field, MODEL_FIELD_TYPES[column.type]), (kind, column.name)
        if column.type is ColumnType.ENUM:
            assert column.choices == tuple(value for value, _ in field.choices), column.name
        # A required column never stores null; an optional date may (text stores "").
        if column.required:
            assert not field.null, (kind, column.name)
        elif column.type in (ColumnType.DATETIME, ColumnType.DATE):
            assert field.null, (kind, column.name)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_upsert_key_is_a_unique_key_of_the_table(kind):
    spec = KINDS[kind]
    model = _model(spec.table)
    # The conflict target matches a unique index whatever the order of its columns; a natural
    # key may be the primary key.
    unique_sets = {
        frozenset(constraint.fields)
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
    } | {frozenset([field.name]) for field in model._meta.fields if field.unique}
    assert frozenset(spec.key) in unique_sets
