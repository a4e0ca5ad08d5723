"""Image references are pinned, never ``latest``, and by digest where the profile says (SEC-4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.errors import ValidationError
from infra_kit.k8s import ImageRef, check_image

HEX = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("image", "repository", "tag", "digest"),
    [
        ("nginx:1.27.3", "nginx", "1.27.3", None),
        (f"nginx@sha256:{HEX}", "nginx", None, f"sha256:{HEX}"),
        (f"nginx:1.27.3@sha256:{HEX}", "nginx", "1.27.3", f"sha256:{HEX}"),
        ("registry.example.com:5000/team/app:v2", "registry.example.com:5000/team/app", "v2", None),
        (
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api:1.4.2",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api",
            "1.4.2",
            None,
        ),
    ],
)
def test_pinned_references_are_parsed_and_round_trip(
    image: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = check_image(image)
    assert ref == ImageRef(repository, tag, digest)
    assert str(ref) == image


def test_an_image_without_tag_or_digest_is_refused() -> None:
    with pytest.raises(
        ValidationError, match=r"image='nginx': the image has neither a tag nor a digest"
    ):
        check_image("nginx")


def test_a_registry_port_is_not_mistaken_for_a_tag() -> None:
    with pytest.raises(ValidationError, match="neither a tag nor a digest"):
        check_image("registry.example.com:5000/team/app")


def test_the_latest_tag_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"image='nginx:latest': the 'latest' tag moves"):
        check_image("nginx:latest")


def test_latest_is_refused_even_with_a_digest() -> None:
    with pytest.raises(ValidationError, match="the 'latest' tag moves"):
        check_image(f"nginx:latest@sha256:{HEX}")


def test_a_tag_without_digest_is_refused_where_digests_are_required() -> None:
    with pytest.raises(
        ValidationError, match=r"pins images by digest \(workloads.require_image_digest\)"
    ):
        check_image("nginx:1.27.3", require_digest=True)


def test_a_digest_satisfies_the_digest_requirement() -> None:
    assert check_image(f"nginx@sha256:{HEX}", require_digest=True).digest == f"sha256:{HEX}"


@pytest.mark.parametrize(
    "image",
    [
        "nginx:1.0@sha256:abc",
        f"nginx:1.0@sha256:{HEX.upper()}",
        f"nginx:1.0@sha512:{HEX}",
        f"nginx:1.0@sha256:{HEX}0",
        "nginx:1.0@",
    ],
)
def test_a_malformed_digest_is_refused(image: str) -> None:
    with pytest.raises(ValidationError, match="the digest is malformed"):
        check_image(image)


@pytest.mark.parametrize("image", ["Nginx:1.0", "nginx:-bad", " nginx:1.0", "", "nginx:1.0 "])
def test_malformed_references_are_refused_with_the_key(image: str) -> None:
    with pytest.raises(ValidationError, match=r"^collector.image="):
        check_image(image, key="collector.image")


def test_only_prod_requires_digests_among_the_builtin_profiles() -> None:
    required = {
        name: profile["workloads"]["require_image_digest"]
        for name, profile in BUILTIN_PROFILES.items()
    }
    assert required == {"dev": False, "preview": False, "stage": False, "prod": True}


@given(
    tag=st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True).filter(
        lambda t: t != "latest"
    ),
    digest=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)
def test_any_valid_tag_and_digest_round_trip(tag: str, digest: str) -> None:
    image = f"ghcr.io/acme/app:{tag}@sha256:{digest}"
    ref = check_image(image, require_digest=True)
    assert (ref.tag, ref.digest, str(ref)) == (tag, f"sha256:{digest}", image)


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx:1.27.3", "Always"),
        ("registry.example:5000/team/api:2.0", "Always"),
        (f"nginx@sha256:{HEX}", "IfNotPresent"),
        (f"nginx:1.27.3@sha256:{HEX}", "IfNotPresent"),
    ],
)
def test_a_tag_is_pulled_always_and_a_digest_if_not_present(image: str, policy: str) -> None:
    assert check_image(image).pull_policy == policy
