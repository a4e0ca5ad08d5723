"""DNS names: what a zone and a public host may be, and which hosts a zone holds (EDGE-1)."""

from __future__ import annotations

import pytest

from infra_kit.aws._dns import dns_name_problem, host_in_zone, normalize_dns_name


@pytest.mark.parametrize(
    "name",
    ["example.com", "dev.example.com", "Dev.Example.COM.", "a-b.c1.example.org", "x.xn--p1ai"],
)
def test_a_fully_qualified_name_of_two_labels_or_more_is_a_dns_name(name: str) -> None:
    assert dns_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "empty"),
        (None, "empty"),
        ("localhost", "at least two labels"),
        ("dev..example.com", "empty label"),
        ("-dev.example.com", "'-dev'"),
        ("dev_zone.example.com", "'dev_zone'"),
        ("example.c0m", "top-level domain 'c0m'"),
        ("a" * 64 + ".com", "1 to 63"),
        (".".join(["abcdefghij"] * 24) + ".com", "at most 253"),
        ("*.example.com", "'*'"),
    ],
)
def test_anything_else_is_refused_with_the_reason(name: object, words: str) -> None:
    problem = dns_name_problem(name)
    assert problem is not None
    assert words in problem


def test_a_wildcard_label_is_accepted_only_when_asked_for() -> None:
    assert dns_name_problem("*.dev.example.com", wildcard=True) is None
    assert dns_name_problem("*.dev.example.com") is not None


def test_names_are_compared_in_lower_case_without_the_root_dot() -> None:
    assert normalize_dns_name(" Dev.Example.com. ") == "dev.example.com"


@pytest.mark.parametrize(
    ("host", "zone", "inside"),
    [
        ("api.dev.example.com", "dev.example.com", True),
        ("dev.example.com", "dev.example.com", True),
        ("API.Dev.Example.com.", "dev.example.com", True),
        ("*.dev.example.com", "dev.example.com", True),
        ("api.example.com", "dev.example.com", False),
        ("api.baddev.example.com", "dev.example.com", False),
        ("example.com", "dev.example.com", False),
    ],
)
def test_a_host_is_in_a_zone_only_when_it_is_the_zone_or_under_it(
    host: str, zone: str, inside: bool
) -> None:
    assert host_in_zone(host, zone) is inside
