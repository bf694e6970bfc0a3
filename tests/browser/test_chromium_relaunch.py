"""The browser tests' Chromium (conftest.Chromium) is launched again when it went away, so
that a crash fails one test, not every browser test after it."""

from __future__ import annotations

from tests.browser.conftest import Chromium


def test_a_chromium_that_went_away_is_launched_again_at_its_next_use(playwright):
    # Its own launcher: the package's Chromium keeps serving this test's page.
    chromium = Chromium(playwright)
    first = chromium()
    assert chromium() is first  # one browser while it runs

    first.close()  # disconnected, as a crashed browser is
    again = chromium()

    assert again is not first and again.is_connected() and not first.is_connected()
    page = again.new_page()
    page.set_content("<p>still here</p>")
    assert page.text_content("p") == "still here"
    chromium.close()
    assert not again.is_connected()
