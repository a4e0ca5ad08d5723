"""Container image references: pinned, never ``latest``, by digest where the profile says (SEC-4).

Pure logic: no Pulumi runtime. ``check_image`` parses ``[registry[:port]/]repository[:tag][@sha256:<64 hex>]``
and refuses references that would let a deployment run something other than what was reviewed:

- no tag and no digest (``nginx``): the registry resolves it to ``latest`` at pull time;
- the tag ``latest`` (``nginx:latest``): it moves;
- a tag without a digest when ``require_digest`` is set (``workloads.require_image_digest``,
  true in prod): a tag can be re-pushed, a digest cannot;
- a malformed digest: anything but ``@sha256:`` followed by 64 lower-case hex digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra_kit.errors import ValidationError

__all__ = ["ImageRef", "check_image"]

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REPOSITORY = re.compile(
    r"^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$"
)


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference; ``str(ref)`` gives it back exactly as it was written.

    Attributes:
        repository: the registry and repository, e.g. ``ghcr.io/acme/orders``.
        tag: the tag; None for a reference by digest only.
        digest: the ``sha256:`` digest; None for a reference by tag only.
        pull_policy: ``Always`` by tag, ``IfNotPresent`` by digest (SEC-4).
        version: a label-safe version: the tag, or the digest's first 12 hex digits.
    """

    repository: str
    tag: str | None
    digest: str | None

    def __str__(self) -> str:
        out = self.repository
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out

    @property
    def pull_policy(self) -> str:
        """``Always`` for a reference by tag, ``IfNotPresent`` for one by digest (SEC-4).

        A tag can be pushed again, so a node that has the tag cached could run content that is
        no longer what the tag names: ``Always`` makes the kubelet resolve the tag at the
        registry on every start (layers it already has are not downloaded again). A digest
        names exactly one content, so a cached copy is that content, and ``IfNotPresent`` lets
        a node restart its pods while the registry is unreachable.
        """
        return "IfNotPresent" if self.digest else "Always"

    @property
    def version(self) -> str:
        """A label-safe version: the tag, or the first 12 hex digits of the digest."""
        if self.tag:
            return self.tag[:63]
        assert self.digest is not None
        return self.digest.removeprefix("sha256:")[:12]


def check_image(image: str, *, key: str = "image", require_digest: bool = False) -> ImageRef:
    """Parse ``image``; raise :class:`ValidationError` naming ``key`` when it is not pinned."""
    if not isinstance(image, str) or not image or image != image.strip():
        raise ValidationError(
            key,
            image,
            "an image reference is a non-empty string without surrounding spaces",
            "write it like 'registry/repository:1.2.3@sha256:<64 hex digits>'",
        )
    name, at, digest = image.partition("@")
    if at and not _DIGEST.match(digest):
        raise ValidationError(
            key,
            image,
            "the digest is malformed: it must be 'sha256:' followed by 64 lower-case hex digits",
            "copy the digest from the registry, e.g. with 'crane digest <image>'",
        )
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    tag: str | None = None
    repository = name
    if colon > last_slash:
        repository, tag = name[:colon], name[colon + 1 :]
        if not _TAG.match(tag):
            raise ValidationError(
                key,
                image,
                f"{tag!r} is not a valid image tag",
                "use letters, digits, '_', '.' and '-' (at most 128 characters)",
            )
    if not _REPOSITORY.match(repository):
        raise ValidationError(
            key,
            image,
            f"{repository!r} is not a valid image repository",
            "use lower-case letters, digits and separators, e.g. "
            "'123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api'",
        )
    if tag is None and not at:
        raise ValidationError(
            key,
            image,
            "the image has neither a tag nor a digest, so the registry serves 'latest', "
            "which moves between deployments (SEC-4)",
            "pin it: add a version tag and, where the profile requires it, the digest",
        )
    if tag == "latest":
        raise ValidationError(
            key,
            image,
            "the 'latest' tag moves between deployments, so a rollback would not restore "
            "what ran before (SEC-4)",
            "use an immutable version tag, and the digest where the profile requires it",
        )
    if require_digest and not at:
        raise ValidationError(
            key,
            image,
            "this environment pins images by digest (workloads.require_image_digest) because "
            "a tag can be pushed again with different content (SEC-4)",
            "append '@sha256:<digest>' to the reference",
        )
    return ImageRef(repository=repository, tag=tag, digest=digest if at else None)
