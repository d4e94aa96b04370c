"""Clerk's rules as pure functions: names, slugs, timestamps, roles, metadata merging."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clerk_orgs_async.testing._errors import ClerkAPIError
from clerk_orgs_async.testing._roles import role_name
from clerk_orgs_async.testing._rules import (
    check_name,
    check_slug,
    deep_merge,
    parse_rfc3339_ms,
    slugify,
    unique_slug,
)

json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)
json_object = st.dictionaries(st.text(max_size=3), json_value, max_size=4)


def _has_none_values(value: Any) -> bool:
    if isinstance(value, dict):
        return any(v is None or _has_none_values(v) for v in value.values())
    return False


@given(json_object, json_object)
def test_merge_keeps_untouched_keys_and_applies_the_patch(
    current: dict[str, Any], patch: dict[str, Any]
) -> None:
    merged = deep_merge(current, patch)
    for key, value in patch.items():
        if value is None:
            assert key not in merged
        elif not isinstance(value, dict):
            assert merged[key] == value
    for key, value in current.items():
        if key not in patch:
            assert merged[key] == value


@given(json_object, json_object)
def test_merge_leaves_no_null_from_the_patch_in_objects_it_built(
    current: dict[str, Any], patch: dict[str, Any]
) -> None:
    merged = deep_merge({k: v for k, v in current.items() if not isinstance(v, dict)}, patch)
    for key, value in patch.items():
        if isinstance(value, dict):
            assert not _has_none_values(merged[key])


@given(json_object)
def test_merging_the_same_patch_twice_changes_nothing_more(patch: dict[str, Any]) -> None:
    once = deep_merge({}, patch)
    assert deep_merge(once, patch) == once


def test_merge_example_from_clerk_docs() -> None:
    current = {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    patch = {"a": {"c": {"d": None, "f": 4}}, "e": None}
    assert deep_merge(current, patch) == {"a": {"b": 1, "c": {"f": 4}}}
    assert current == {"a": {"b": 1, "c": {"d": 2}}, "e": 3}  # not mutated


@given(st.text(max_size=40))
def test_derived_slugs_are_always_valid(name: str) -> None:
    slug = slugify(name)
    assert check_slug(slug) == slug
    assert not slug.startswith("-")
    assert not slug.endswith("-")
    assert "--" not in slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme Inc.", "acme-inc"),
        ("  Big -- Co  ", "big-co"),
        ("Ünïcode!", "n-code"),
        ("!!!", "organization"),
    ],
)
def test_slugify_examples(name: str, slug: str) -> None:
    assert slugify(name) == slug


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1))
def test_slugs_of_lowercase_digits_and_dashes_pass(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "Acme", "a_b", "a b", "ä"])
def test_other_slugs_fail(slug: str) -> None:
    with pytest.raises(ClerkAPIError) as error:
        check_slug(slug)
    assert (error.value.status, error.value.meta) == (422, {"param_name": "slug"})


def test_unique_slug_counts_up() -> None:
    assert unique_slug("a", set()) == "a"
    assert unique_slug("a", {"a", "a-2"}) == "a-3"


@pytest.mark.parametrize("name", ["x" * 256, "Acme Inc.", "R&D <3"])
def test_acceptable_names(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 257, "http://a.io", "go to www.acme.com", "<script>x</script>"]
)
def test_refused_names(name: str) -> None:
    with pytest.raises(ClerkAPIError):
        check_name(name)


@pytest.mark.parametrize(
    ("value", "millis"),
    [
        ("2012-10-20T07:15:20.902Z", 1350717320902),
        ("2012-10-20T07:15:20Z", 1350717320000),
        ("2012-10-20T09:15:20.9+02:00", 1350717320900),
        ("2012-10-20T07:15:20.123456789Z", 1350717320123),
    ],
)
def test_rfc3339_timestamps(value: str, millis: int) -> None:
    assert parse_rfc3339_ms(value) == millis


@pytest.mark.parametrize("value", ["2012-10-20", "2012-10-20T07:15:20", "2012-13-01T00:00:00Z"])
def test_bad_timestamps(value: str) -> None:
    with pytest.raises(ClerkAPIError):
        parse_rfc3339_ms(value)


def test_role_names() -> None:
    assert role_name("org:admin") == "Admin"
    assert role_name("org:billing_manager") == "Billing Manager"
