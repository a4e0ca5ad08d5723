"""SEC-4 rule over image pull policies: an image referenced by tag is pulled on every start.

A value the graph could not know (``"[unknown]"``) or must not show (``"[secret]"``) is never
judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import DIGEST_SUFFIX, is_redacted
from infra_kit.policy.rules._workloads import pod_containers, pod_templates


@rule(
    id="IK-SEC-4-PULL-POLICY",
    prescription="SEC-4",
    severity=Severity.ERROR,
    title="A container runs an image by tag without imagePullPolicy: Always",
    rationale="""A tag can be pushed again with other content. With IfNotPresent (what Kubernetes
    uses for a tag when the field is left out) a node that cached the tag runs the old content
    while a fresh node pulls the new one, so replicas of one revision differ and a fix pushed
    under the same tag never reaches some of them. Always makes the kubelet resolve the tag at
    the registry on every start; only changed layers are downloaded. An image pinned by digest
    names one content, so IfNotPresent is safe there and lets a node restart pods while the
    registry is unreachable.""",
    fix="""Set imagePullPolicy: Always on every container whose image has no '@sha256:' digest, or
    pin the image by digest (infra-kit workloads and collectors choose the policy from the
    image reference themselves).""",
)
def pull_policy(graph: GraphDoc) -> Iterator[Hit]:
    for template in pod_templates(graph):
        loose = []
        for where, container in pod_containers(template.spec):
            image, policy = container.get("image"), container.get("imagePullPolicy")
            if is_redacted(image) or is_redacted(policy):
                continue
            if isinstance(image, str) and DIGEST_SUFFIX.search(image):
                continue
            if policy != "Always":
                shown = "unset, so IfNotPresent" if policy is None else repr(policy)
                loose.append(f"{where} runs {image!r} by tag with imagePullPolicy {shown}")
        if loose:
            yield Hit(template.urn, f"{template.label}: {'; '.join(loose)}")
