"""The subnet CIDR planner: a fixed layout that never overlaps and never moves a subnet (NET-1)."""

from __future__ import annotations

import ipaddress
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.aws._cidr import (
    MAX_AZS,
    TIERS,
    PlannedSubnet,
    SubnetTier,
    parse_vpc_cidr,
    plan_subnets,
    reserved_cidr,
    subnet_cidr,
    subnet_prefix,
)
from infra_kit.errors import ValidationError

PUBLIC, PRIVATE, ISOLATED = SubnetTier.PUBLIC, SubnetTier.PRIVATE, SubnetTier.ISOLATED
_PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(r)
    for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


_VPC_PREFIXES = st.integers(16, 22)


@st.composite
def vpc_cidrs(draw: st.DrawFn, prefixes: st.SearchStrategy[int] = _VPC_PREFIXES) -> str:
    """Any aligned network of a drawn prefix (default /16../22) inside a private range."""
    prefix = draw(prefixes)
    base = draw(st.sampled_from([r for r in _PRIVATE_RANGES if r.prefixlen <= prefix]))
    index = draw(st.integers(0, (1 << (prefix - base.prefixlen)) - 1))
    start = int(base.network_address) + index * (1 << (32 - prefix))
    return str(ipaddress.IPv4Network((start, prefix)))


az_counts = st.integers(1, MAX_AZS)
tier_sets = st.sets(st.sampled_from(TIERS), min_size=1)


def _as_map(plan: tuple[PlannedSubnet, ...]) -> dict[tuple[SubnetTier, int], str]:
    return {(s.tier, s.az_index): s.cidr for s in plan}


# -- properties ---------------------------------------------------------------------------------
@given(vpc_cidrs())
def test_no_two_subnets_of_the_full_plan_overlap_nor_touch_the_reserved_block(cidr: str) -> None:
    nets = [ipaddress.IPv4Network(s.cidr) for s in plan_subnets(cidr, MAX_AZS)]
    nets.append(ipaddress.IPv4Network(reserved_cidr(cidr)))
    for a, b in combinations(nets, 2):
        assert not a.overlaps(b), (a, b)


@given(vpc_cidrs(), az_counts, tier_sets)
def test_every_subnet_lies_inside_the_vpc_cidr(
    cidr: str, az_count: int, tiers: set[SubnetTier]
) -> None:
    vpc = ipaddress.IPv4Network(cidr)
    for subnet in plan_subnets(cidr, az_count, tiers):
        assert ipaddress.IPv4Network(subnet.cidr).subnet_of(vpc)


@given(vpc_cidrs(), az_counts)
def test_every_subnet_has_a_size_aws_accepts(cidr: str, az_count: int) -> None:
    for subnet in plan_subnets(cidr, az_count):
        assert 16 <= ipaddress.IPv4Network(subnet.cidr).prefixlen <= 28
        assert subnet.usable_addresses >= 11


@given(vpc_cidrs(), tier_sets, az_counts, az_counts)
def test_adding_azs_never_changes_an_existing_subnets_cidr(
    cidr: str, tiers: set[SubnetTier], a: int, b: int
) -> None:
    fewer, more = sorted((a, b))
    small, large = (
        _as_map(plan_subnets(cidr, fewer, tiers)),
        _as_map(plan_subnets(cidr, more, tiers)),
    )
    assert {k: large[k] for k in small} == small
    assert len(large) == len(tiers) * more


@given(vpc_cidrs(), az_counts, tier_sets, tier_sets)
def test_adding_a_tier_never_changes_an_existing_subnets_cidr(
    cidr: str, az_count: int, some: set[SubnetTier], more: set[SubnetTier]
) -> None:
    small = _as_map(plan_subnets(cidr, az_count, some))
    large = _as_map(plan_subnets(cidr, az_count, some | more))
    assert {k: large[k] for k in small} == small


@given(vpc_cidrs(), az_counts)
def test_the_plan_is_a_pure_function_of_vpc_tier_and_az_index(cidr: str, az_count: int) -> None:
    plan = plan_subnets(cidr, az_count)
    assert plan == plan_subnets(cidr, az_count)
    for subnet in plan:
        assert subnet.cidr == subnet_cidr(cidr, subnet.tier, subnet.az_index)


@given(vpc_cidrs(), az_counts)
def test_private_subnets_are_largest_then_public_then_isolated(cidr: str, az_count: int) -> None:
    sizes: dict[SubnetTier, set[int]] = {}
    for subnet in plan_subnets(cidr, az_count):
        sizes.setdefault(subnet.tier, set()).add(ipaddress.IPv4Network(subnet.cidr).num_addresses)
    assert all(len(s) == 1 for s in sizes.values())
    assert max(sizes[PRIVATE]) == 2 * max(sizes[PUBLIC]) == 4 * max(sizes[ISOLATED])


@given(vpc_cidrs(), az_counts, tier_sets)
def test_the_plan_is_ordered_by_tier_then_az(
    cidr: str, az_count: int, tiers: set[SubnetTier]
) -> None:
    keys = [(TIERS.index(s.tier), s.az_index) for s in plan_subnets(cidr, az_count, tiers)]
    assert keys == sorted(keys)
    assert {s.tier for s in plan_subnets(cidr, az_count, tiers)} == tiers


@given(vpc_cidrs(st.integers(23, 28)))
def test_a_vpc_smaller_than_a_22_is_refused(cidr: str) -> None:
    with pytest.raises(ValidationError, match=r"AWS allows /28 at the smallest"):
        plan_subnets(cidr, 1)


@given(vpc_cidrs(st.integers(8, 15)))
def test_a_vpc_larger_than_a_16_is_refused(cidr: str) -> None:
    with pytest.raises(ValidationError, match=r"AWS allows a VPC of /16 at the largest"):
        plan_subnets(cidr, 1)


# -- examples -----------------------------------------------------------------------------------
def test_two_azs_of_10_0_0_0_16_get_the_documented_cidrs() -> None:
    assert _as_map(plan_subnets("10.0.0.0/16", 2)) == {
        (PUBLIC, 0): "10.0.128.0/21",
        (PUBLIC, 1): "10.0.136.0/21",
        (PRIVATE, 0): "10.0.0.0/20",
        (PRIVATE, 1): "10.0.16.0/20",
        (ISOLATED, 0): "10.0.192.0/22",
        (ISOLATED, 1): "10.0.196.0/22",
    }


def test_six_azs_of_10_0_0_0_16_fill_six_slots_of_each_block() -> None:
    plan = _as_map(plan_subnets("10.0.0.0/16", 6))
    assert [plan[PRIVATE, i] for i in range(6)] == [f"10.0.{16 * i}.0/20" for i in range(6)]
    assert [plan[PUBLIC, i] for i in range(6)] == [f"10.0.{128 + 8 * i}.0/21" for i in range(6)]
    assert [plan[ISOLATED, i] for i in range(6)] == [f"10.0.{192 + 4 * i}.0/22" for i in range(6)]
    assert reserved_cidr("10.0.0.0/16") == "10.0.224.0/19"


def test_the_smallest_vpc_still_gives_load_balancers_a_27() -> None:
    plan = _as_map(plan_subnets("10.0.0.0/22", 3))
    assert plan == {
        (PUBLIC, 0): "10.0.2.0/27",
        (PUBLIC, 1): "10.0.2.32/27",
        (PUBLIC, 2): "10.0.2.64/27",
        (PRIVATE, 0): "10.0.0.0/26",
        (PRIVATE, 1): "10.0.0.64/26",
        (PRIVATE, 2): "10.0.0.128/26",
        (ISOLATED, 0): "10.0.3.0/28",
        (ISOLATED, 1): "10.0.3.16/28",
        (ISOLATED, 2): "10.0.3.32/28",
    }
    assert reserved_cidr("10.0.0.0/22") == "10.0.3.128/25"


def test_usable_addresses_leave_out_the_five_aws_keeps() -> None:
    plan = {(s.tier, s.az_index): s for s in plan_subnets("10.0.0.0/16", 1)}
    assert plan[PRIVATE, 0].usable_addresses == 4091
    assert plan[PUBLIC, 0].usable_addresses == 2043
    assert plan[ISOLATED, 0].usable_addresses == 1019


def test_subnet_prefix_follows_the_vpc_prefix() -> None:
    assert [subnet_prefix(16, t) for t in TIERS] == [21, 20, 22]
    assert [subnet_prefix(22, t) for t in TIERS] == [27, 26, 28]


def test_a_single_tier_plan_holds_only_that_tier() -> None:
    assert plan_subnets("10.1.0.0/16", 2, [ISOLATED]) == (
        PlannedSubnet(ISOLATED, 0, "10.1.192.0/22"),
        PlannedSubnet(ISOLATED, 1, "10.1.196.0/22"),
    )


def test_tier_names_are_accepted_as_strings() -> None:
    assert plan_subnets("10.0.0.0/16", 1, ["private"]) == (
        PlannedSubnet(PRIVATE, 0, "10.0.0.0/20"),
    )


# -- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10.0.0.0/23", r"cidr='10\.0\.0\.0/23': its isolated subnets would be /29"),
        ("10.0.0.0/15", r"cidr='10\.0\.0\.0/15': AWS allows a VPC of /16 at the largest"),
        ("10.0.0.1/16", r"cidr='10\.0\.0\.1/16': not an IPv4 network .*host bits"),
        ("8.8.0.0/16", r"cidr='8\.8\.0\.0/16': a publicly routable range.*Fix: use a private"),
        ("fd00::/56", r"cidr='fd00::/56': not an IPv4 network"),
        ("ten-dot-zero", r"cidr='ten-dot-zero': not an IPv4 network"),
        (16, r"cidr=16: a VPC CIDR is a string"),
    ],
)
def test_an_unusable_vpc_cidr_is_refused_with_the_fix(value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        parse_vpc_cidr(value)
    assert info.value.key == "cidr"
    assert info.value.fix


def test_the_refusal_names_the_key_it_was_given() -> None:
    with pytest.raises(ValidationError, match=r"^network\.vpc_cidr='10\.0\.0\.0/24'"):
        plan_subnets("10.0.0.0/24", 2, key="network.vpc_cidr")


@pytest.mark.parametrize("count", [0, 7, -1, True])
def test_an_az_count_outside_one_to_six_is_refused(count: int) -> None:
    with pytest.raises(ValidationError, match=r"az_count=.*holds 1 to 6 AZs"):
        plan_subnets("10.0.0.0/16", count)


@pytest.mark.parametrize("index", [-1, 6, 8])
def test_an_az_index_outside_the_six_slots_is_refused(index: int) -> None:
    with pytest.raises(ValidationError, match=r"az_index=.*AZ indexes 0 to 5"):
        subnet_cidr("10.0.0.0/16", PRIVATE, index)


def test_an_unknown_tier_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"tiers='dmz': not a subnet tier.*public, private"):
        plan_subnets("10.0.0.0/16", 1, ["dmz"])
