"""Deviations from common Kubernetes scanner rules, recorded where the scanners read them.

Pure logic: no Pulumi runtime. A workload that must deviate from a rule that scanners enforce (a
DaemonSet that runs as root to read its node's log files) records the deviation once, as a
:class:`Deviation` and a written reason. From that one record come:

- annotations on the object, in the formats the scanners honour, so a scan of the rendered
  manifests accepts the deviation and shows why;
- the suppression of the matching ``infra-kit check`` rule, with the same reason, where that
  rule would otherwise fail (:func:`deviation_suppressions`).

The two can therefore never disagree. Formats and check names, read in each scanner's
repository on 2026-12-02:

- kube-linter (github:stackrox/kube-linter, ``docs/configuring-kubelinter.md`` and
  ``docs/generated/checks.md``): ``ignore-check.kube-linter.io/<check-name>: "<reason>"``;
- Checkov (github:bridgecrewio/checkov, ``docs/2.Basics/Suppressing and Skipping Policies.md``
  and ``checkov/kubernetes/kubernetes_utils.py``): ``checkov.io/skip<N>: <check id>=<reason>``.
  Checkov splits the value on ``=``, so a reason never contains one;
- Polaris (github:FairwindsOps/polaris, ``docs/customization/exemptions.md`` and
  ``pkg/validator/schema.go``): ``polaris.fairwinds.com/<check>-exempt: "true"``, which carries
  no reason; the ``infra-kit.io/deviation-<name>`` annotation next to it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from infra_kit.errors import ValidationError
from infra_kit.k8s._images import ImageRef

__all__ = [
    "DEVIATION_ANNOTATION_PREFIX",
    "PULL_BY_DIGEST_REASON",
    "SCANNER_CHECKS",
    "Deviation",
    "ScannerChecks",
    "deviation_annotations",
    "deviation_suppressions",
    "image_deviations",
]

#: ``infra-kit.io/deviation-<name>: <reason>``, the record every scanner annotation derives from.
DEVIATION_ANNOTATION_PREFIX = "infra-kit.io/deviation-"
_MIN_REASON_WORDS = 3


class Deviation(StrEnum):
    """A way a workload departs from what the common scanners expect."""

    #: UID 0 and ``runAsNonRoot: false``.
    RUNS_AS_ROOT = "runs-as-root"
    #: hostPath volumes, one of them writable.
    HOST_PATH = "host-path"
    #: ``automountServiceAccountToken: true``.
    API_TOKEN = "api-token"
    #: ``imagePullPolicy: IfNotPresent`` for an image pinned by digest.
    PULL_BY_DIGEST = "pull-by-digest"


@dataclass(frozen=True)
class ScannerChecks:
    """What infra-kit and each scanner call one deviation.

    ``needs_suppression`` is False where the infra-kit rule already accepts the deviation on
    evidence in the graph (a token mounted for an account a binding grants something, a digest
    pulled IfNotPresent); a suppression there would accept nothing and be reported unused.
    """

    rule_id: str
    needs_suppression: bool
    kube_linter: tuple[str, ...] = ()
    checkov: tuple[str, ...] = ()
    polaris: tuple[str, ...] = ()


SCANNER_CHECKS: Mapping[Deviation, ScannerChecks] = {
    Deviation.RUNS_AS_ROOT: ScannerChecks(
        "IK-SEC-4-RESTRICTED",
        needs_suppression=True,
        kube_linter=("run-as-non-root",),
        # Minimize the admission of root containers; containers should run as a high UID.
        checkov=("CKV_K8S_23", "CKV_K8S_40"),
        polaris=("runAsRootAllowed",),
    ),
    Deviation.HOST_PATH: ScannerChecks(
        "IK-SEC-4-RESTRICTED",
        needs_suppression=True,
        kube_linter=("writable-host-mount",),
        polaris=("hostPathSet",),
    ),
    Deviation.API_TOKEN: ScannerChecks(
        "IK-SEC-4-SERVICE-ACCOUNT-TOKEN",
        needs_suppression=False,
        # Ensure that service account tokens are only mounted where necessary.
        checkov=("CKV_K8S_38",),
        polaris=("automountServiceAccountToken",),
    ),
    Deviation.PULL_BY_DIGEST: ScannerChecks(
        "IK-SEC-4-PULL-POLICY",
        needs_suppression=False,
        # Checkov's CKV_K8S_15 and kube-linter accept IfNotPresent for a digest; Polaris does not.
        polaris=("pullPolicyNotAlways",),
    ),
}

#: Why a digest is pulled IfNotPresent (see :attr:`~infra_kit.k8s._images.ImageRef.pull_policy`).
PULL_BY_DIGEST_REASON = (
    "The image is pinned by digest, so a copy cached on the node is exactly the reviewed image; "
    "IfNotPresent lets the node restart its pods while the registry is unreachable, and a tag "
    "is always pulled (ADR 0027)."
)


def _check_reason(deviation: Deviation, reason: str) -> str:
    text = " ".join(str(reason).split())
    if len(text.split()) < _MIN_REASON_WORDS:
        raise ValidationError(
            f"deviations[{deviation.value}]",
            reason,
            f"a deviation needs a reason of at least {_MIN_REASON_WORDS} words",
            "say why the workload needs it, for the reviewer who reads the scan",
        )
    if "=" in text:
        raise ValidationError(
            f"deviations[{deviation.value}]",
            reason,
            "Checkov splits its skip annotation on '=', so the reason cannot contain one",
            "reword the reason without '='",
        )
    return text


def deviation_annotations(deviations: Mapping[Deviation, str]) -> dict[str, str]:
    """The object's annotations recording ``deviations`` (deviation -> reason) for infra-kit,
    kube-linter, Checkov and Polaris; Checkov's are numbered in a stable order from 1."""
    annotations: dict[str, str] = {}
    checkov: list[str] = []
    for deviation in sorted(deviations):
        reason = _check_reason(deviation, deviations[deviation])
        checks = SCANNER_CHECKS[deviation]
        annotations[DEVIATION_ANNOTATION_PREFIX + deviation.value] = reason
        for name in checks.kube_linter:
            annotations[f"ignore-check.kube-linter.io/{name}"] = reason
        checkov += [f"{check}={reason}" for check in checks.checkov]
        for name in checks.polaris:
            annotations[f"polaris.fairwinds.com/{name}-exempt"] = "true"
    for number, value in enumerate(checkov, start=1):
        annotations[f"checkov.io/skip{number}"] = value
    return annotations


def deviation_suppressions(deviations: Mapping[Deviation, str]) -> dict[str, str]:
    """Rule id -> reason of the ``infra-kit check`` suppressions ``deviations`` need.

    Deviations judged by the same rule share its suppression, so they must share its reason."""
    found: dict[str, tuple[Deviation, str]] = {}
    for deviation in sorted(deviations):
        checks = SCANNER_CHECKS[deviation]
        if not checks.needs_suppression:
            continue
        reason = _check_reason(deviation, deviations[deviation])
        if checks.rule_id in found and found[checks.rule_id][1] != reason:
            other = found[checks.rule_id][0]
            raise ValidationError(
                f"deviations[{deviation.value}]",
                reason,
                f"{checks.rule_id} accepts it with {other.value} in one suppression, whose "
                "reason is different",
                f"give {deviation.value} and {other.value} the same reason",
            )
        found[checks.rule_id] = (deviation, reason)
    return {rule_id: reason for rule_id, (_, reason) in found.items()}


def image_deviations(image: ImageRef) -> dict[Deviation, str]:
    """:attr:`Deviation.PULL_BY_DIGEST` for an image pinned by digest, nothing for a tag."""
    return {Deviation.PULL_BY_DIGEST: PULL_BY_DIGEST_REASON} if image.digest else {}
