"""The article hash's layout (pure: no Redis)."""

from __future__ import annotations

from dataclasses import fields

from crawler.domain.models import ARTICLE_FIELDS, ArticleState, Status


def test_every_attribute_has_its_own_short_field_unlike_any_attribute_name() -> None:
    attributes = {f.name for f in fields(ArticleState)} - {"id"}
    assert set(ARTICLE_FIELDS) == attributes
    assert len(set(ARTICLE_FIELDS.values())) == len(attributes)
    assert not set(ARTICLE_FIELDS.values()) & attributes  # an old hash is never misread
    assert max(len(name) for name in ARTICLE_FIELDS.values()) <= 2


def test_a_state_round_trips_and_only_defaults_are_left_out() -> None:
    state = ArticleState(
        "id", "https://n.example/a", "n", Status.NEW, last_change=0.0, next_check=5.5, errors=2
    )
    stored = state.to_fields()
    assert ArticleState.from_fields("id", stored) == state
    assert stored[ARTICLE_FIELDS["last_change"]] == "0.0"  # 0.0 is not None
    assert stored[ARTICLE_FIELDS["status"]] == "new"  # the status is always there
    assert ARTICLE_FIELDS["etag"] not in stored
    assert ARTICLE_FIELDS["created"] not in stored


def test_a_state_written_over_another_deletes_what_it_leaves_out() -> None:
    before = ArticleState("id", "u", "s", last_error="timeout", next_check=60.0, errors=1)
    after = ArticleState("id", "u", "s", next_check=None)
    assert after.stale_fields(before) == sorted(
        ARTICLE_FIELDS[name] for name in ("errors", "last_error", "next_check")
    )
