"""Boundary parsing refuses every malformed input with a Chinese message, never a crash; the
tile server's origin is what the CSP lets images come from."""
from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from common.errors import ValidationErrors
from sync_server.services.geo import parse_boundary
from sync_server.web.map import tile_origin

coordinate = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(),
                       st.text(max_size=3), st.none())
ring = st.lists(st.lists(coordinate, max_size=3), max_size=6)
geometry = st.fixed_dictionaries({
    "type": st.sampled_from(["Polygon", "Point", "LineString", "MultiPolygon", "", 3]),
    "coordinates": st.one_of(st.lists(ring, max_size=2), coordinate)})
anything = st.one_of(geometry, st.fixed_dictionaries({"type": st.just("Feature"),
                                                      "geometry": geometry}),
                     st.fixed_dictionaries({"type": st.just("FeatureCollection"),
                                            "features": st.lists(geometry, max_size=2)}),
                     st.text(max_size=20), st.integers(), st.lists(st.integers(), max_size=3))


@settings(max_examples=300, deadline=None)
@given(value=anything, as_text=st.booleans())
def test_any_input_is_a_polygon_or_a_chinese_refusal_on_the_boundary_field(value, as_text):
    try:
        polygon = parse_boundary(json.dumps(value) if as_text else value)
    except ValidationErrors as err:
        assert err.errors[0].field == "boundary"
        assert err.message() and not err.message().isascii()
    else:
        assert polygon.is_valid and polygon.geom_type == "Polygon"


def test_tile_origins():
    assert tile_origin("http://10.0.0.5/tiles/{z}/{x}/{y}.png") == "http://10.0.0.5"
    assert tile_origin("https://{s}.tiles.county.local:8443/{z}/{x}/{y}.png") == \
        "https://*.tiles.county.local:8443"
    assert tile_origin("javascript:alert(1)") is None
    assert tile_origin("") is None
