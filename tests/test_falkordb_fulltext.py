"""The RediSearch query text that scopes FalkorDB's full-text search (no server)."""

from __future__ import annotations

from kenning.store.falkordb.fulltext import scope_tokens, scoped_query


def test_scope_tokens_are_the_plain_tokens_the_index_holds() -> None:
    # Split as RediSearch splits, lower-cased; stop words and one-letter or
    # non-ASCII tokens are left out (asking for them could lose a match; the
    # query's WHERE keeps exact scopes anyway).
    assert scope_tokens("conv-26") == ["conv", "26"]
    assert scope_tokens("The-Best.of:Us") == ["best", "us"]
    assert scope_tokens("a/b|c d") == []
    assert scope_tokens("Über_user x9") == ["x9"]
    assert scope_tokens("conv 26 conv") == ["conv", "26"]


def test_scoped_query_names_the_text_fields_and_the_scope() -> None:
    assert scoped_query("default", "conv-26", "fact", "hiking|lisbon") == (
        "@text:(hiking|lisbon) @tenant:(default) @space:(conv 26)"
    )
    assert scoped_query("acme", "-", "episode", "zelda") == (
        "@content|speaker:(zelda) @tenant:(acme)"
    )
