"""The admin's view of what was learned from feedback (Daten, section „Gelerntes aus Rückmeldungen“): the
served version, its model card with the evidence, and rollback, in a real browser against ``bmm serve``.

The version stored here adjusts made-up item ids (tests/matcher/learning/factories.py), so the other browser
tests see the same recommendations; the test switches it off again at the end.
"""

from __future__ import annotations

import pytest

from matcher.learning.evaluation import learn
from matcher.learning.fitting import LearningSettings
from service.storage.database import make_engine
from service.storage.learning import SqlLearningStore
from tests.matcher.learning.factories import planted
from tests.web.conftest import WebPage, WebServer

pytestmark = pytest.mark.browser


def test_admin_sees_the_card_with_its_evidence_and_rolls_back(web: WebPage, web_server: WebServer) -> None:
    engine = make_engine(web_server.database_url)
    store = SqlLearningStore(engine)
    try:
        version = store.save(learn(*planted(), LearningSettings()))
        web.sign_in(web_server.keys["admin"])
        web.page.wait_for_url("**/#/unternehmen")
        web.page.locator("#nav").get_by_role("link", name="Daten").click()
        assert f"Ausgeliefert wird Version {version}" in web.text("#learning-served")
        changes = web.text("#learning-changes")
        assert "Handwerksbetrieb" in changes
        assert "0 von 30" in changes  # the evidence of the planted rejection
        assert "−0,1" in changes
        assert "NDCG@5" in web.text("#learning-metrics")
        web.screenshot("learning-view", scroll_to="#learning-title")
        web.page.once("dialog", lambda dialog: dialog.accept())
        web.page.click("#learning-rollback")
        web.page.wait_for_selector("#learning-body .message:has-text('abgeschaltet')")
        assert "Keine gelernten Anpassungen aktiv" in web.text("#learning-served")
        assert store.served_id() is None
        assert web.page.locator("#learning-rollback").is_disabled()
        assert web.unexpected_errors() == []
    finally:
        if store.served_id() is not None:
            store.disable()
        engine.dispose()
