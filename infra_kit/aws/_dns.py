"""DNS names: what a hosted zone's name and a public host may be (EDGE-1).

Pure logic: no Pulumi runtime.
"""

from __future__ import annotations

import re

__all__ = ["dns_name_problem", "host_in_zone", "normalize_dns_name"]

#: One label: letters, digits and inner dashes, at most 63 characters (RFC 1035, RFC 1123).
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
#: A top-level domain is letters only (or an IDNA ``xn--`` label).
_TLD = re.compile(r"^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def normalize_dns_name(name: str) -> str:
    """``name`` in lower case without the root's trailing dot."""
    return name.strip().lower().removesuffix(".")


def dns_name_problem(name: object, *, wildcard: bool = False) -> str | None:
    """Why ``name`` is not a fully qualified DNS name of at least two labels, or ``None``.

    With ``wildcard``, one leading ``*.`` label is accepted (an ACM certificate's name may
    have one); a zone's name never does.
    """
    if not isinstance(name, str) or not name.strip():
        return "not a DNS name: it is empty or not a string"
    text = normalize_dns_name(name)
    if len(text) > 253:
        return f"a DNS name is at most 253 characters; this one has {len(text)}"
    labels = text.split(".")
    if wildcard and labels[0] == "*":
        labels = labels[1:]
    if len(labels) < 2:
        return "a public name has at least two labels (a name and a top-level domain)"
    bad = [label for label in labels if not _LABEL.match(label)]
    if bad:
        return (
            f"label {bad[0]!r} is not 1 to 63 letters, digits and inner dashes"
            if bad[0]
            else "it has an empty label (two dots in a row)"
        )
    if not _TLD.match(labels[-1]):
        return f"top-level domain {labels[-1]!r} is not letters only"
    return None


def host_in_zone(host: str, zone: str) -> bool:
    """Whether ``host`` is ``zone`` itself or a name under it (``api.dev.example.com`` is under
    ``dev.example.com``; ``api.badexample.com`` is not under ``example.com``)."""
    h, z = normalize_dns_name(host), normalize_dns_name(zone)
    h = h.removeprefix("*.") if h.startswith("*.") else h
    return h == z or h.endswith("." + z)
