"""The code of 扫码登录网页: however the browser's code arrives (typed with or without its dash, in
lower case, with spaces, or as the address its QR image holds), the same 8 characters go to the
server; anything else is refused with a Chinese line naming what was typed."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import DomainError
from desktop.services.web_sign_in import code_of, display, is_sign_in_link

ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # the server's (captcha) alphabet: no look-alikes
codes = st.text(ALPHABET, min_size=8, max_size=8)


@given(codes, st.sampled_from(["{d}", "{c}", "{l}", " {d} ", "{c}\n",
                                "http://10.0.0.5:8000/admin/qr/{c}",
                                "https://县.example/admin/qr/{d}?x=1"]))
def test_every_way_the_code_arrives_gives_the_same_code(code, shape):
    text = shape.format(c=code, d=display(code), l=display(code).lower())
    assert code_of(text) == code
    assert is_sign_in_link(text) == ("/admin/qr/" in shape)


@pytest.mark.parametrize("text", ["", "ABC", "ACDE-FH3", "ACDE-FH34-X", "一二三四五六七八",
                                  "http://x/admin/qr/"])
def test_what_is_not_a_code_is_refused_in_chinese(text):
    with pytest.raises(DomainError) as err:
        code_of(text)
    assert err.value.code == "qr_code_format" and err.value.field == "code"
    assert "8 位字母和数字" in err.value.message()
