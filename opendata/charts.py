"""Charts a steward declares in a manifest (``charts:``), checked against the Table Schema.

A chart names fields of the published table, never code: the site (``publish/site``) turns
each declaration into a Vega-Lite specification and an SVG when it is built. Four kinds:
``line`` (one or more number fields over ``x``, optional goal lines), ``bar`` (rows counted
per ``x``, stacked by ``color``), ``point`` (a value per ``x``, one panel per ``facet``), and
``map`` (rows placed by ``latitude``/``longitude``, coloured by ``color``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from opendata.errors import ManifestError

if TYPE_CHECKING:  # a manifest's charts are read without the schema's libraries (frictionless)
    from opendata.table_schema import TableSchema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Goal(_Strict):
    """A horizontal reference line: a target the figures are measured against."""

    value: float
    label: dict[str, str] = Field(description="text per language, e.g. {sv: 'Mål 2020: 90 %', en: ...}")
    field: str | None = Field(default=None, description="the y field the goal applies to (for the text table)")


class ChartSpec(_Strict):
    kind: Literal["line", "bar", "point", "map"]
    title: dict[str, str] = Field(description="text per language")
    x: str | None = Field(default=None, description="field along the x axis (not for maps)")
    y: list[str] = Field(default_factory=list, description="number fields drawn (line, point)")
    color: str | None = Field(default=None, description="field that colours or stacks the marks")
    facet: str | None = Field(default=None, description="one small panel per value of this field")
    where: dict[str, str | int | float | bool] = Field(default_factory=dict, description="keep rows with these values")
    goals: list[Goal] = Field(default_factory=list)
    latitude: str | None = None
    longitude: str | None = None
    label: str | None = Field(default=None, description="field that names each point of a map")
    basemap: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9-]+$",
        description="land drawn under a map's points: publish/site/geo/<name>.geojson, shipped with the site",
    )
    y_max: float | None = Field(default=None, description="top of the y axis, e.g. 100 for shares")

    @model_validator(mode="after")
    def _parts_of_kind(self) -> ChartSpec:
        if self.kind == "map":
            if not (self.latitude and self.longitude):
                raise ValueError("a map needs 'latitude' and 'longitude' fields")
        elif not self.x:
            raise ValueError(f"a {self.kind} chart needs an 'x' field")
        if self.kind in ("line", "point") and not self.y:
            raise ValueError(f"a {self.kind} chart needs at least one field under 'y'")
        return self

    def fields(self) -> list[tuple[str, str]]:
        """(key, field) for every field the chart names, to check against the schema."""
        named = [
            ("x", self.x),
            ("color", self.color),
            ("facet", self.facet),
            ("latitude", self.latitude),
            ("longitude", self.longitude),
            ("label", self.label),
        ]
        named += [("y", f) for f in self.y] + [("where", f) for f in self.where]
        named += [("goals.field", g.field) for g in self.goals]
        return [(k, f) for k, f in named if f]


def check_charts(slug: str, charts: list[ChartSpec], schema: TableSchema) -> None:
    """Every field a chart names is a field of the schema, and y fields are numbers."""
    names = schema.field_names
    for i, chart in enumerate(charts):
        for key, field in chart.fields():
            if field not in names:
                raise ManifestError(
                    f"datasets/{slug}/dataset.yaml: charts[{i}].{key} names '{field}', which is not a field "
                    f"of {schema.path.name}; use one of {', '.join(names)}"
                )
        for field in chart.y:
            if field not in schema.numeric_fields:
                raise ManifestError(
                    f"datasets/{slug}/dataset.yaml: charts[{i}].y names '{field}', which is not a number field; "
                    f"use one of {', '.join(schema.numeric_fields)}"
                )
