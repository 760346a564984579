"""The page's small script carries only the dashboard's own words, as strings that cannot end it."""

from __future__ import annotations

import json

import pytest

from sdcf_metrics.ui.look import page_look, script_string


def test_a_script_string_cannot_close_the_script_element_and_reads_back_as_the_text():
    hostile = "</script><script>alert(1)</script><!-- & -->"
    written = script_string(hostile)
    assert "<" not in written and ">" not in written and "&" not in written
    assert json.loads(written) == hostile


def test_only_a_language_of_the_dashboard_reaches_the_page():
    with pytest.raises(ValueError, match="not a language of the dashboard"):
        page_look('en"; alert(1); "')
