"""Client and server mask personal data alike: one function (common/masking.py), the fields
and their masking kinds from the schema's declaration."""
from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from common.schema import ENTITIES, Person
from common.schema.fields import sensitive_fields
from desktop.services.people import mask_id_number as desktop_mask_id
from desktop.services.people import mask_phone as desktop_mask_phone
from desktop.services.people import masked as desktop_masked
from sync_server.api.routes.records import to_public
from sync_server.api.wire import PERSON
from sync_server.services.masking import mask_field as server_mask_field
from sync_server.services.masking import mask_id_number as server_mask_id
from sync_server.services.masking import mask_phone as server_mask_phone

EXAMPLES = 1000 if os.environ.get("SOAK") else 150

values = st.one_of(st.text(alphabet="0123456789-X ", max_size=24),
                   st.text(max_size=20))


def test_a_landline_with_an_area_code_masks_the_same_on_both_sides():
    assert desktop_mask_phone("0995-8561234") == server_mask_phone("0995-8561234") \
        == "099****1234"
    assert desktop_mask_id("65212319800101001X") == server_mask_id("65212319800101001X") \
        == "652123********001X"


@settings(max_examples=EXAMPLES, deadline=None)
@given(field=st.sampled_from(sorted(sensitive_fields(Person))), value=values)
def test_every_sensitive_person_field_masks_identically_on_client_and_server(field, value):
    client = desktop_masked(field, value)
    server = server_mask_field(field, value, Person)
    assert client == server
    if value:
        assert client != value or not value.strip("*")  # something is always hidden
        kept = sum(1 for a, b in zip(client, value) if a == b and a != "*")
        assert kept <= len(value) - min(4, len(value))  # at least four characters hidden


@settings(max_examples=EXAMPLES // 3, deadline=None)
@given(id_number=st.text(alphabet="0123456789X", min_size=15, max_size=18),
       phone=st.text(alphabet="0123456789-", min_size=5, max_size=14),
       religion=st.sampled_from(["islam", "buddhism", "none"]))
def test_the_servers_list_rows_show_what_the_clients_lists_show(id_number, phone, religion):
    person = Person(id="p1", grid_id="g", id_number=id_number, name="甲", sex="male",
                    birth_date=None, phone=phone, religion=religion, resident_type="registered",
                    status="normal", rev=1, deleted=False, field_clock={})
    public = to_public(PERSON, person, masked=tuple(sensitive_fields(Person)))
    for field in sensitive_fields(Person):
        assert getattr(public, field) == desktop_masked(field, getattr(person, field))
    assert public.religion == "***"


def test_every_declared_masking_kind_is_known_to_the_one_function():
    from common.masking import mask
    for entity in ENTITIES.values():
        for field, kind in sensitive_fields(entity).items():
            assert mask(kind, "13812348000") != "13812348000", (entity, field)
